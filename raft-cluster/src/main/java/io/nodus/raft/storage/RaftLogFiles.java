package io.nodus.raft.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the segment files of a Ratis log directory ({@code log_<start>-<end>}, {@code
 * log_inprogress_<start>}) without opening the log: enough for a replica to tell, before Ratis
 * replays it, whether the log still starts where its store needs it to.
 */
public final class RaftLogFiles {
  private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");

  private RaftLogFiles() {}

  /** The first index held by the segments in {@code dir}, or -1 when it holds none. */
  public static long firstIndex(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    long first = -1;
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = SEGMENT.matcher(f.getFileName().toString());
        if (m.matches()) {
          long start = Long.parseLong(m.group(1));
          first = first < 0 ? start : Math.min(first, start);
        }
      }
    }
    return first;
  }
}
