(ns nodus.chaos.cidr
  "IPv4 prefixes as closed ranges of addresses, so that overlap is a comparison of numbers: two prefixes
  overlap iff one contains the other, and that is the same as their ranges intersecting."
  (:require [clojure.string :as str]))

(defn- address
  "The dotted quad as a number."
  [s]
  (let [octets (mapv parse-long (str/split s #"\."))]
    (when-not (and (= 4 (count octets)) (every? #(and % (<= 0 % 255)) octets))
      (throw (ex-info (str "Not an IPv4 address: " s) {:address s})))
    (reduce (fn [acc o] (+ (* acc 256) o)) 0 octets)))

(defn parse
  "{:cidr s :first a :last b} for \"a.b.c.d/len\". Host bits are ignored: the range is the prefix's."
  [s]
  (let [[addr len] (str/split s #"/")
        len (parse-long (or len "32"))]
    (when-not (and len (<= 0 len 32))
      (throw (ex-info (str "Not an IPv4 prefix: " s) {:cidr s})))
    (let [size (bit-shift-left 1 (- 32 len))
          start (* size (quot (address addr) size))]
      {:cidr s :first start :last (+ start size -1)})))

(defn overlap?
  "Whether two parsed prefixes share an address."
  [a b]
  (and (<= (:first a) (:last b)) (<= (:first b) (:last a))))

(defn same?
  "Whether two prefix strings name the same range (\"10.0.0.1/24\" is \"10.0.0.0/24\")."
  [a b]
  (and (some? a) (some? b)
       (= (select-keys (parse a) [:first :last]) (select-keys (parse b) [:first :last]))))
