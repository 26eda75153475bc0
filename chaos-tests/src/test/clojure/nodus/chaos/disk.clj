(ns nodus.chaos.disk
  "Small disks for the controllers' data: per node an ext4 file system on a loop device (an image
  file beside the node's log), so that the nemesis can fill one for real: the kernel answers ENOSPC
  to the controller's Raft log and RocksDB as it would on a full disk. No blocks are reserved for
  root (mkfs -m 0), so the controller, which runs as root, cannot write past a full disk either.

  The mount point is named nodus-chaos-disk-<run>-<node>, so that sweep-leftovers! can tell a
  crashed run's disks from a live run's: a live run's network namespaces exist before its disks
  are mounted and are removed only after they are unmounted. Images stay after a run, for the
  post-mortem (mount -o loop <image> <dir>); the file system discards freed blocks, so an image
  takes about the space of the data it holds."
  (:require [clojure.java.io :as io]
            [clojure.string :as str]
            [nodus.chaos.net :as net])
  (:import (java.io File IOException RandomAccessFile)
           (java.nio ByteBuffer)
           (java.nio.channels FileChannel)
           (java.nio.file Files OpenOption Path StandardOpenOption)))

(def ^:private mount-prefix "nodus-chaos-disk-")

(defn- sh-quiet! [& args]
  (try (apply net/sh! args) (catch clojure.lang.ExceptionInfo _ nil)))

(defn create!
  "Makes and mounts a file system of `megabytes` for `node` of run `run-id` under `dir`; returns
  the disk, {:node :image :mount :data :filler}. :data is the controller's data directory on it;
  :filler is the file the nemesis fills it with (beside the data directory, not inside it)."
  [dir run-id node megabytes]
  (let [mount (io/file dir node (str mount-prefix run-id "-" node))
        image (io/file dir node (str (.getName mount) ".img"))]
    (.mkdirs mount)
    (with-open [f (RandomAccessFile. image "rw")]
      ;; Sparse: blocks are taken as the file system writes them.
      (.setLength f (* (long megabytes) 1024 1024)))
    (net/sh! "mkfs.ext4" "-q" "-F" "-m" "0" (str image))
    (net/sh! "mount" "-o" "loop,discard" (str image) (str mount))
    (let [data (io/file mount "data")]
      (.mkdirs data)
      {:node node :image image :mount mount :data data :filler (io/file mount "filler")})))

(defn usable-bytes
  "Bytes a write on the disk may still use."
  [{:keys [^File mount]}]
  (.getUsableSpace mount))

(defn fill!
  "Writes the filler until the kernel answers ENOSPC, in ever smaller pieces so that even the last
  blocks go; returns the bytes written. Not synced: the blocks are taken when write returns."
  [{:keys [^File filler]}]
  (with-open [ch (FileChannel/open (.toPath filler)
                                   (into-array OpenOption [StandardOpenOption/CREATE StandardOpenOption/WRITE
                                                           StandardOpenOption/APPEND]))]
    (loop [written 0
           ^ByteBuffer chunk (ByteBuffer/allocateDirect (* 4 1024 1024))]
      (.clear chunk)
      (let [n (try (.write ch chunk) (catch IOException _ nil))]
        (cond n (recur (+ written n) chunk)
              (> (.capacity chunk) 4096) (recur written (ByteBuffer/allocateDirect (quot (.capacity chunk) 16)))
              :else written)))))

(defn free!
  "Deletes the filler: what it took is free again."
  [{:keys [^File filler]}]
  (.delete filler))

(defn destroy!
  "Unmounts the disk; safe to call twice. Lazily, so that a process that still holds a file on it
  (one that outlived its run) cannot keep the mount."
  [{:keys [^File mount]}]
  (sh-quiet! "umount" "-l" (str mount)))

(defn sweep-leftovers!
  "Unmounts the disks of runs that have no network namespace left (see the namespace docstring):
  call after net/sweep-leftovers!, which removes a crashed run's namespaces. Returns how many it
  unmounted."
  []
  (let [namespaces (net/sh! "ip" "netns" "list")
        ;; Read as lines: slurp asks a /proc file how much is available, which the kernel refuses.
        leftovers (for [line (Files/readAllLines (Path/of "/proc/self/mounts" (make-array String 0)))
                        :let [mount (second (str/split line #" "))
                              [_ run] (some->> mount (re-find #"/nodus-chaos-disk-([0-9a-f]{6})-[^/]+$"))]
                        :when (and run (not (str/includes? namespaces (str "nodus-chaos-" run "-"))))]
                    mount)]
    (doseq [mount leftovers]
      (sh-quiet! "umount" "-l" mount))
    (count leftovers)))
