(ns nodus.chaos.cidr-test
  (:require [clojure.test :refer [deftest is]]
            [nodus.chaos.cidr :as cidr]))

(deftest a-prefix-is-the-range-of-its-addresses
  (is (= {:cidr "10.0.1.0/24" :first 167772416 :last 167772671} (cidr/parse "10.0.1.0/24")))
  (is (= (:first (cidr/parse "10.0.1.0/24")) (:first (cidr/parse "10.0.1.77/24")))))

(deftest prefixes-overlap-when-one-contains-the-other
  (is (cidr/overlap? (cidr/parse "10.0.0.0/16") (cidr/parse "10.0.200.0/24")))
  (is (not (cidr/overlap? (cidr/parse "10.0.0.0/24") (cidr/parse "10.0.1.0/24"))))
  (is (cidr/overlap? (cidr/parse "10.0.0.0/24") (cidr/parse "10.0.0.0/24"))))

(deftest malformed-prefixes-are-rejected
  (is (thrown? clojure.lang.ExceptionInfo (cidr/parse "10.0.0/24")))
  (is (thrown? clojure.lang.ExceptionInfo (cidr/parse "10.0.0.0/33"))))
