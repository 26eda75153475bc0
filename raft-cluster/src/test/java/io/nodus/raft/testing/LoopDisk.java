package io.nodus.raft.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small ext4 file system on a loop device, mounted for one test: a data directory whose disk
 * fills up for real (ENOSPC from the kernel, with fsync and a journal), and whose directories can
 * be made unwritable even for root ({@code chattr +i}). Needs root, {@code mkfs.ext4} and loop
 * devices. Mount points carry this JVM's pid, and disks of JVMs that are gone are swept first, so
 * a crashed run leaves nothing that breaks the next one.
 */
public final class LoopDisk implements AutoCloseable {
  private static final String PREFIX = "nodus-disk-";
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private final Path image;
  private final Path mount;
  private final Path filler;

  private LoopDisk(Path image, Path mount) {
    this.image = image;
    this.mount = mount;
    this.filler = mount.resolve("filler");
  }

  /** Creates and mounts a file system of {@code megabytes} (at least 32). */
  public static LoopDisk create(int megabytes) throws IOException {
    return create(megabytes, null);
  }

  /**
   * Creates a file system of {@code megabytes} and mounts it at {@code at} (created; a temporary
   * directory when null).
   */
  public static LoopDisk create(int megabytes, Path at) throws IOException {
    sweepLeftovers();
    String name = PREFIX + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    Path image = base.resolve(name + ".img");
    Path mount = at != null ? at : base.resolve(name);
    Files.createDirectories(mount);
    try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.truncate(0);
      ch.position((long) megabytes << 20).write(ByteBuffer.allocate(1));
    }
    run("mkfs.ext4", "-q", "-F", "-m", "0", image.toString());
    run("mount", "-o", "loop", image.toString(), mount.toString());
    return new LoopDisk(image, mount);
  }

  /** The mounted file system's root. */
  public Path root() {
    return mount;
  }

  /** Fills the file system until the kernel answers ENOSPC; returns the bytes written. */
  public long fill() throws IOException {
    long written = 0;
    ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
    try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      while (true) {
        chunk.clear();
        try {
          written += ch.write(chunk);
        } catch (IOException e) {
          if (chunk.capacity() > 4096) {
            chunk = ByteBuffer.allocate(chunk.capacity() / 16);
            continue;
          }
          break;
        }
      }
      try {
        ch.force(true);
      } catch (IOException e) {
        // Full already: what was written stays.
      }
    }
    return written;
  }

  /** Deletes the filler: the space is free again. */
  public void free() throws IOException {
    Files.deleteIfExists(filler);
  }

  /** Bytes still usable. */
  public long usable() throws IOException {
    return Files.getFileStore(mount).getUsableSpace();
  }

  /** Makes {@code dir} (on this disk) immutable: nothing can be created, renamed or deleted in it, even by root. */
  public static void immutable(Path dir, boolean on) {
    run("chattr", on ? "+i" : "-i", dir.toString());
  }

  @Override
  public void close() {
    unmount(mount, image);
  }

  private static void unmount(Path mount, Path image) {
    tryRun("umount", "-l", mount.toString());
    try {
      Files.deleteIfExists(image);
      Files.deleteIfExists(mount);
    } catch (IOException e) {
      // A lazily detached mount point may still be busy; the next sweep retries.
    }
  }

  /** Unmounts the disks of test JVMs that are no longer running. */
  private static void sweepLeftovers() throws IOException {
    Path base = Path.of(System.getProperty("java.io.tmpdir"));
    for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
      String[] f = line.split(" ");
      if (f.length < 2 || !f[1].startsWith(base.resolve(PREFIX).toString())) {
        continue;
      }
      String rest = f[1].substring(base.resolve(PREFIX).toString().length());
      long pid = Long.parseLong(rest.substring(0, rest.indexOf('-')));
      if (ProcessHandle.of(pid).isEmpty()) {
        Path mount = Path.of(f[1]);
        unmount(mount, base.resolve(mount.getFileName() + ".img"));
      }
    }
  }

  private static void run(String... cmd) {
    if (tryRun(cmd) != 0) {
      throw new IllegalStateException("command failed: " + String.join(" ", cmd));
    }
  }

  private static int tryRun(String... cmd) {
    try {
      Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
