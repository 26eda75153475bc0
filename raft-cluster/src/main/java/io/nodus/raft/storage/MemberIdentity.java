package io.nodus.raft.storage;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Properties;

/**
 * Which controller a data directory belongs to: its member id and cluster name, recorded in
 * {@code <data-dir>/nodus-member.properties} by the first controller that used it. A controller
 * started on a directory recorded for another member or cluster must refuse to start: Raft would
 * otherwise load another member's log and votes under a new name, and run without a word (a
 * directory restarted under another --id served 503 forever).
 *
 * @param memberId the controller's member id
 * @param clusterName the cluster's name (it names the Raft group)
 */
public record MemberIdentity(String memberId, String clusterName) {
  public static final String FILE = "nodus-member.properties";

  /** What {@code dataDir} records, if anything. */
  public static Optional<MemberIdentity> read(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    String id = p.getProperty("member.id");
    String cluster = p.getProperty("cluster.name");
    if (id == null || cluster == null) {
      throw new IllegalStateException(file + " lacks member.id or cluster.name");
    }
    return Optional.of(new MemberIdentity(id, cluster));
  }

  /** Records this identity in {@code dataDir}: written to a temporary file, synced, then renamed. */
  public void write(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Properties p = new Properties();
    p.setProperty("member.id", memberId);
    p.setProperty("cluster.name", clusterName);
    try {
      Files.createDirectories(dataDir);
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(w, "The controller this directory belongs to; checked at every start. Do not edit.");
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
