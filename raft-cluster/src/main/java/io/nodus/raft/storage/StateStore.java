package io.nodus.raft.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageResources;
import io.nodus.state.codec.ResourceKey;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Event;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Checkpoint;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RocksDB store of one replica. Column families: {@code resources} (resource key bytes to
 * resource bytes), {@code events} (8-byte big-endian revision to {@link Event} bytes, trimmed to
 * a retention window) and {@code meta} (applied log position, schema version).
 *
 * <p>Every applied entry is one {@code WriteBatch}: its resource writes, its events and the new
 * applied position commit together, so a crash never leaves half an entry. Writes skip RocksDB's
 * write-ahead log: the Raft log is this store's write-ahead log. Every column family is flushed
 * at once (atomic flush), so a crash leaves the state of the last flush, whole, and Ratis applies
 * the entries after it again because the stored applied position did not move past them. The log
 * still holds them: it is purged only behind checkpoints, and a checkpoint flushes first.
 *
 * <p>Threading: {@link #commit} and {@link #markApplied} are called by the state machine's single
 * apply thread; {@link #events} by any number of watcher threads. {@link #replaceWith} and
 * {@link #close} take the write lock, so no reader ever touches a closed handle.
 */
public final class StateStore implements AutoCloseable {
  /**
   * Version of the on-disk layout; a store with another version is refused. 2: services, IPAM
   * pools and allocations (node pod CIDRs included), members and the request window. 3: the replica
   * record (cluster clock and cluster id). 4: events carry the kinds they changed.
   */
  public static final int SCHEMA_VERSION = 4;

  private static final Logger log = LoggerFactory.getLogger(StateStore.class);
  private static final byte[] APPLIED_KEY = "applied".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SCHEMA_KEY = "schema".getBytes(StandardCharsets.UTF_8);

  /**
   * What a store holds.
   *
   * @param state the replicated state (image and request window) rebuilt from the records
   * @param applied the last Raft entry folded into it
   */
  public record Loaded(ReplicaState state, LogPosition applied) {
    public ClusterImage image() {
      return state.image();
    }
  }

  private final Path dir;
  private final long eventRetention;
  private final long trimStep;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  /** Null once closed. Guarded by {@link #lock}: swapped only under the write lock. */
  private RocksHandles db;
  /** Lowest revision that may still be stored in {@code events}; owned by the apply thread. */
  /** Oldest revision still stored; written by the apply thread, read by watchers. */
  private volatile long firstRetained;

  private StateStore(Path dir, long eventRetention) {
    this.dir = dir;
    this.eventRetention = eventRetention;
    // Trim in steps rather than on every entry: fewer range tombstones, same guarantee.
    this.trimStep = Math.max(1, Math.min(1024, eventRetention / 10));
  }

  /**
   * Opens (creating when absent) the store in {@code dir}.
   *
   * @param eventRetention the number of most recent events always kept
   * @throws StorageException when the directory holds something RocksDB cannot open, or another schema
   */
  public static StateStore open(Path dir, long eventRetention) {
    if (eventRetention < 1) {
      throw new IllegalArgumentException("eventRetention must be >= 1, got " + eventRetention);
    }
    StateStore store = new StateStore(dir, eventRetention);
    store.db = RocksHandles.open(dir);
    try {
      store.checkSchema();
      store.firstRetained = store.firstStoredRevision();
    } catch (RuntimeException e) {
      store.db.close();
      throw e;
    }
    return store;
  }

  /**
   * A store opened together with what it holds.
   *
   * @param store the open store
   * @param loaded its state and applied position
   */
  public record Opened(StateStore store, Loaded loaded) {}

  /** Opens the store in {@code dir} and reads it whole; closes it again when reading fails. */
  public static Opened openLoaded(Path dir, long eventRetention) {
    StateStore store = open(dir, eventRetention);
    try {
      return new Opened(store, store.load());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** Where the live database lives. */
  public Path directory() {
    return dir;
  }

  /** Reads every resource and the applied position. */
  public Loaded load() {
    Lock r = readLock();
    try {
      Map<ResourceKey, byte[]> records = new HashMap<>();
      try (RocksIterator it = db.rocks().newIterator(db.resources())) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          records.put(ResourceKey.parse(it.key()), it.value());
        }
        it.status();
      }
      byte[] applied = db.rocks().get(db.meta(), APPLIED_KEY);
      return new Loaded(ImageResources.load(records), applied == null ? LogPosition.NONE : LogPosition.fromBytes(applied));
    } catch (RocksDBException e) {
      throw new StorageException("cannot read store " + dir, e);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // A record that does not parse, or a key of no known kind: the content is damaged.
      throw StorageException.corrupt("store " + dir + " holds a record that cannot be read", e);
    } finally {
      r.unlock();
    }
  }

  /** The last Raft entry recorded as applied, without reading the resources. */
  public LogPosition applied() {
    Lock r = readLock();
    try {
      byte[] applied = db.rocks().get(db.meta(), APPLIED_KEY);
      return applied == null ? LogPosition.NONE : LogPosition.fromBytes(applied);
    } catch (RocksDBException e) {
      throw new StorageException("cannot read applied position of " + dir, e);
    } finally {
      r.unlock();
    }
  }

  /**
   * Persists one applied entry atomically: the resource writes, the events and the new applied
   * position, trimming the oldest events beyond the retention window in the same batch.
   *
   * @param events the entry's events, in revision order
   * @param encoded the same events, encoded (the bytes the replica also answers with)
   */
  public void commit(LogPosition applied, List<ImageResources.Write> writes, List<Event> events, List<byte[]> encoded) {
    if (events.size() != encoded.size()) {
      throw new IllegalArgumentException(events.size() + " events but " + encoded.size() + " encoded");
    }
    Lock r = readLock();
    try (WriteBatch batch = new WriteBatch()) {
      for (ImageResources.Write w : writes) {
        if (w.value() == null) {
          batch.delete(db.resources(), w.key().toBytes());
        } else {
          batch.put(db.resources(), w.key().toBytes(), w.value());
        }
      }
      for (int i = 0; i < events.size(); i++) {
        batch.put(db.events(), RevisionKeys.encode(events.get(i).getRevision()), encoded.get(i));
      }
      if (!events.isEmpty()) {
        long keepFrom = events.getLast().getRevision() - eventRetention + 1;
        if (keepFrom - firstRetained >= trimStep) {
          batch.deleteRange(db.events(), RevisionKeys.encode(firstRetained), RevisionKeys.encode(keepFrom));
          firstRetained = keepFrom;
        }
      }
      batch.put(db.meta(), APPLIED_KEY, applied.toBytes());
      db.rocks().write(db.writeOptions(), batch);
    } catch (RocksDBException e) {
      throw new StorageException("cannot persist entry " + applied.index() + " in " + dir, e);
    } finally {
      r.unlock();
    }
  }

  /** Records that an entry without state changes (a configuration or leader no-op entry) was applied. */
  public void markApplied(LogPosition applied) {
    Lock r = readLock();
    try {
      db.rocks().put(db.meta(), db.writeOptions(), APPLIED_KEY, applied.toBytes());
    } catch (RocksDBException e) {
      throw new StorageException("cannot record applied entry " + applied.index() + " in " + dir, e);
    } finally {
      r.unlock();
    }
  }

  /**
   * Reads stored events with {@code from <= revision <= to}, at most {@code max}, in revision
   * order. Events below the retention window are gone: the first returned revision is then
   * greater than {@code from}, which tells the caller it must start from a snapshot instead.
   */
  /** The oldest revision the history still holds: older ones were trimmed. */
  public long firstRetained() {
    return firstRetained;
  }

  public List<Event> events(long from, long to, int max) {
    List<Event> out = new ArrayList<>();
    if (from > to || max <= 0) {
      return out;
    }
    Lock r = readLock();
    // A fresh iterator reads one consistent view, even while the apply thread trims.
    try (RocksIterator it = db.rocks().newIterator(db.events())) {
      for (it.seek(RevisionKeys.encode(from)); it.isValid() && out.size() < max; it.next()) {
        if (RevisionKeys.decode(it.key()) > to) {
          break;
        }
        out.add(Event.parseFrom(it.value()));
      }
      it.status();
      return out;
    } catch (RocksDBException | InvalidProtocolBufferException e) {
      throw new StorageException("cannot read events from revision " + from + " in " + dir, e);
    } finally {
      r.unlock();
    }
  }

  /** Writes a RocksDB checkpoint (hard links to the immutable files) into {@code target}, which must not exist. */
  public void checkpoint(Path target) {
    Lock r = readLock();
    try (Checkpoint cp = Checkpoint.create(db.rocks())) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new StorageException("cannot write checkpoint " + target, e);
    } finally {
      r.unlock();
    }
  }

  /** Discards the live database and reopens it as a copy of {@code checkpoint} (a snapshot was installed). */
  public void replaceWith(Path checkpoint) {
    lock.writeLock().lock();
    try {
      if (db != null) {
        db.close();
        db = null;
      }
      restore(checkpoint, dir);
      db = RocksHandles.open(dir);
      checkSchema();
      firstRetained = firstStoredRevision();
      log.info("store restored dir={} checkpoint={}", dir, checkpoint.getFileName());
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Makes {@code liveDir} a database equal to {@code checkpoint}. SST files are immutable, so they
   * are hard-linked; the manifest and the other small files are copied because RocksDB rewrites them.
   */
  public static void restore(Path checkpoint, Path liveDir) {
    Directories.deleteRecursively(liveDir);
    Directories.copyCheckpoint(checkpoint, liveDir);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (db != null) {
        db.close();
        db = null;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private Lock readLock() {
    Lock r = lock.readLock();
    r.lock();
    if (db == null) {
      r.unlock();
      throw new StorageException("store " + dir + " is closed");
    }
    return r;
  }

  /** Seeds a new store, or checks that an existing one has this build's schema. */
  private void checkSchema() {
    try {
      byte[] schema = db.rocks().get(db.meta(), SCHEMA_KEY);
      if (schema == null) {
        if (db.rocks().get(db.meta(), APPLIED_KEY) != null) {
          throw new StorageException("store " + dir + " has data but no schema version");
        }
        seed();
        return;
      }
      int version = ByteBuffer.wrap(schema).getInt();
      if (version != SCHEMA_VERSION) {
        throw new StorageException("store " + dir + " has schema version " + version + ", this build reads " + SCHEMA_VERSION);
      }
    } catch (RocksDBException e) {
      throw new StorageException("cannot read schema version of " + dir, e);
    }
  }

  /**
   * A new store starts as the image of an empty cluster, not as an empty map: the reserved
   * identities exist before the first event, and no event ever writes them, so without this a
   * replica loaded from disk would lack them and hash differently from one that never restarted.
   */
  private void seed() throws RocksDBException {
    try (WriteBatch batch = new WriteBatch()) {
      for (Map.Entry<ResourceKey, byte[]> r : ImageResources.all(ReplicaState.EMPTY).entrySet()) {
        batch.put(db.resources(), r.getKey().toBytes(), r.getValue());
      }
      batch.put(db.meta(), SCHEMA_KEY, ByteBuffer.allocate(4).putInt(SCHEMA_VERSION).array());
      db.rocks().write(db.writeOptions(), batch);
    }
  }

  private long firstStoredRevision() {
    try (RocksIterator it = db.rocks().newIterator(db.events())) {
      it.seekToFirst();
      if (it.isValid()) {
        return RevisionKeys.decode(it.key());
      }
      it.status();
      return 1;
    } catch (RocksDBException e) {
      throw new StorageException("cannot read events of " + dir, e);
    }
  }

  /** Whether {@code dir} looks like a RocksDB database (its {@code CURRENT} file exists). */
  public static boolean isDatabase(Path dir) {
    return Files.isRegularFile(dir.resolve("CURRENT"));
  }
}
