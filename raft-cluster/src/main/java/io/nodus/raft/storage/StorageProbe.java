package io.nodus.raft.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Tells whether a data directory can take writes: enough usable space, and a small file written,
 * synced and deleted. The controller asks before it starts its replica, and while the replica
 * runs, so that a disk that fills up stops the replica before Raft or RocksDB fail half-way
 * through a write, and a disk that was freed lets it start again.
 *
 * <p>Thread-safe; every call touches the disk.
 */
public final class StorageProbe {
  private static final int PROBE_BYTES = 64 * 1024;
  private static final String PROBE_FILE = ".nodus-write-probe";

  private final Path dir;

  public StorageProbe(Path dir) {
    this.dir = dir;
  }

  public Path directory() {
    return dir;
  }

  /** Bytes a write under the directory may still use. */
  public long usableBytes() throws IOException {
    return Files.getFileStore(dir).getUsableSpace();
  }

  /**
   * Empty when the directory has at least {@code minFreeBytes} usable and a write with fsync
   * succeeds; else what is wrong, naming the directory.
   */
  public Optional<String> check(long minFreeBytes) {
    try {
      Files.createDirectories(dir);
      long usable = usableBytes();
      if (usable < minFreeBytes) {
        return Optional.of("disk full: " + usable + " bytes usable under " + dir + ", at least " + minFreeBytes + " needed");
      }
      Path probe = dir.resolve(PROBE_FILE);
      try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer zeros = ByteBuffer.allocate(PROBE_BYTES);
        while (zeros.hasRemaining()) {
          ch.write(zeros);
        }
        ch.force(true);
      } finally {
        Files.deleteIfExists(probe);
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot write under " + dir + ": " + describe(e));
    }
  }

  /** An I/O error as an operator reads it: the message, which names the file and the errno text. */
  public static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
