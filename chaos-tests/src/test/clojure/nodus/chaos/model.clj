(ns nodus.chaos.model
  "A model is the sequential specification a linearizability checker replays operations against: a value
  whose step takes one operation and returns the next model, or an inconsistent model saying why the
  operation could not have happened in that state. Models are immutable values with value equality, since
  the checker caches the (linearized ops, model) pairs it has already explored.")

(defprotocol Model
  (step [model op]
    "The model after op took effect, or (inconsistent msg). op is {:f f :type t :value v}, where :type is
    :ok (the client saw the answer; :value is the invoke's value merged with the answer's) or :info (the
    outcome is unknown; :value is the invoke's)."))

(defrecord Inconsistent [msg]
  Model
  (step [this _] this))

(defn inconsistent
  "A model that says why the last op could not have happened."
  [msg]
  (->Inconsistent msg))

(defn inconsistent? [model]
  (instance? Inconsistent model))
