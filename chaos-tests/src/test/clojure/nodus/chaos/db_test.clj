(ns nodus.chaos.db-test
  "The database's file handling, on a plain temporary directory: a wiped node keeps nothing of its
  past life but the directory itself (a stray Raft segment makes the rejoined member refuse its
  storage as NOT_FORMATTED)."
  (:require [clojure.java.io :as io]
            [clojure.test :refer [deftest is]]
            [nodus.chaos.db :as db])
  (:import (java.nio.file Files)
           (java.nio.file.attribute FileAttribute)))

(deftest wipe-deletes-every-file-and-directory-under-the-data-directory
  (let [root (.toFile (Files/createTempDirectory "nodus-db-test" (make-array FileAttribute 0)))
        data (io/file root "data")
        files ["nodus-member.properties" "raft/g/current/raft-meta" "raft/g/current/log_0-9"
               "raft/g/current/log_inprogress_10" "raft/g/sm/db/LOCK" "raft/g/sm/db/000004.log"
               "raft/g/sm/snapshots/checkpoint_1_9/CURRENT" "z-last"]]
    (try
      (doseq [f files] (io/make-parents (io/file data f)) (spit (io/file data f) f))
      (db/wipe! {:disks {"n1" {:data data}}} "n1")
      (is (.isDirectory data))
      (is (empty? (rest (file-seq data))))
      (finally
        (doseq [^java.io.File f (reverse (file-seq root))] (.delete f))))))
