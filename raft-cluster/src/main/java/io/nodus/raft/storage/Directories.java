package io.nodus.raft.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;

/** File-tree operations on checkpoint and database directories. */
public final class Directories {
  /** Suffix of the digest files Ratis writes next to every installed snapshot file. */
  static final String MD5_SUFFIX = ".md5";

  private Directories() {}

  /** Deletes {@code dir} and everything below it; a missing directory is fine. */
  public static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          if (e != null && !(e instanceof NoSuchFileException)) {
            throw e;
          }
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (NoSuchFileException e) {
      // Deleted concurrently: the goal is reached.
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /**
   * Fills {@code target} (created) with the files of a RocksDB checkpoint: SST files hard-linked
   * (they are never modified in place), everything else copied. Ratis' digest files are skipped.
   */
  static void copyCheckpoint(Path checkpoint, Path target) {
    try (Stream<Path> files = Files.list(checkpoint)) {
      Files.createDirectories(target);
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (!Files.isRegularFile(f) || name.endsWith(MD5_SUFFIX)) {
          continue;
        }
        Path to = target.resolve(name);
        if (name.endsWith(".sst")) {
          try {
            Files.createLink(to, f);
            continue;
          } catch (IOException | UnsupportedOperationException e) {
            // Another file system, or links not allowed: fall back to a copy.
          }
        }
        Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new StorageException("cannot restore checkpoint " + checkpoint + " into " + target, e);
    }
  }
}
