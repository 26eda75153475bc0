package io.nodus.raft.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory of checkpoints that serve as Raft snapshots: one sub-directory per checkpoint,
 * named {@code checkpoint_<term>_<index>} by the last log entry it contains.
 *
 * <p>A checkpoint is written under a temporary name and renamed into place, so a directory with
 * the final name is always complete. Threading: {@link #create} is called by the checkpoint writer
 * (or the apply thread), {@link #retain} by the apply thread, concurrently: retain never touches
 * a checkpoint that is still being written; {@link #latest} and {@link #list} by anyone.
 */
public final class CheckpointDirectory {
  private static final Logger log = LoggerFactory.getLogger(CheckpointDirectory.class);
  private static final Pattern NAME = Pattern.compile("checkpoint_(\\d+)_(\\d+)");
  private static final String TMP_PREFIX = ".tmp-";

  /**
   * One complete checkpoint.
   *
   * @param position the last log entry it contains
   * @param dir its directory
   */
  public record Checkpoint(LogPosition position, Path dir) {
    /** The files Raft ships to a follower: every regular file except digest files. */
    public List<Path> files() {
      try (Stream<Path> s = Files.list(dir)) {
        return s.filter(Files::isRegularFile)
            .filter(p -> !p.getFileName().toString().endsWith(Directories.MD5_SUFFIX))
            .sorted()
            .toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list checkpoint " + dir, e);
      }
    }
  }

  private final Path root;

  public CheckpointDirectory(Path root) {
    this.root = root;
  }

  public Path root() {
    return root;
  }

  /** Complete checkpoints, oldest first. */
  public List<Checkpoint> list() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Checkpoint> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Files.isDirectory(p) && StateStore.isDatabase(p)) {
          out.add(new Checkpoint(new LogPosition(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))), p));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + root, e);
    }
    out.sort(Comparator.comparingLong((Checkpoint c) -> c.position().index()).thenComparingLong(c -> c.position().term()));
    return out;
  }

  public Optional<Checkpoint> latest() {
    List<Checkpoint> all = list();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
  }

  /**
   * Creates the checkpoint for {@code position}; {@code writer} fills a directory that does not
   * exist yet. Returns the existing checkpoint when one for this position is already there.
   */
  public Checkpoint create(LogPosition position, Consumer<Path> writer) {
    Path dir = root.resolve("checkpoint_" + position.term() + "_" + position.index());
    if (Files.isDirectory(dir)) {
      return new Checkpoint(position, dir);
    }
    Path tmp = root.resolve(TMP_PREFIX + dir.getFileName());
    try {
      Files.createDirectories(root);
      Directories.deleteRecursively(tmp);
      writer.accept(tmp);
      // The rename is what makes the checkpoint visible: a crash before it leaves only a temp dir.
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      Directories.deleteRecursively(tmp);
      throw new StorageException("cannot create checkpoint " + dir, e);
    }
    return new Checkpoint(position, dir);
  }

  /**
   * Keeps the newest {@code keep} checkpoints and deletes the others. A checkpoint being written
   * meanwhile (under its temporary name) is left alone.
   */
  public void retain(int keep) {
    List<Checkpoint> all = list();
    for (int i = 0; i < all.size() - Math.max(1, keep); i++) {
      Path dir = all.get(i).dir();
      Directories.deleteRecursively(dir);
      log.debug("checkpoint deleted dir={}", dir.getFileName());
    }
  }

  /** Deletes checkpoints a crash left half-written (temporary directories); call before writing any. */
  public void deleteUnfinished() {
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.list(root)) {
        s.filter(p -> p.getFileName().toString().startsWith(TMP_PREFIX)).forEach(Directories::deleteRecursively);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + root, e);
      }
    }
  }
}
