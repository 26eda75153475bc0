package io.nodus.agent.plumbing;

import io.nodus.bpf.tc.TcAttachment;
import io.nodus.bpf.tc.TcDirection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes a node's datapath entirely, for an operator taking Nodus off a host: detaches the
 * programs from every host-side veth the node's agent created (found by alias), removes those
 * endpoints' veths and network namespaces, and unpins every map under the node's pin root. Maps
 * and programs are freed by the kernel once nothing holds them. Run it with the agent stopped: a
 * running agent would plumb its endpoints again.
 *
 * <p>Threading: call from a thread in the agent's (host) network namespace.
 */
public final class DatapathCleaner {
  private static final Logger LOG = LoggerFactory.getLogger(DatapathCleaner.class);

  private DatapathCleaner() {}

  /**
   * What a clean-up removed.
   *
   * @param endpoints endpoints whose veth and namespace were removed
   * @param detached programs detached from host veths
   * @param pins pinned maps unlinked
   */
  public record Report(List<String> endpoints, int detached, int pins) {}

  /** Cleans {@code node}'s datapath; its pins live under {@code pinRoot}. */
  public static Report clean(String node, Path pinRoot) {
    EndpointPlumber plumber = new EndpointPlumber(node);
    List<String> endpoints = new ArrayList<>();
    int detached = 0;
    for (EndpointPlumber.OwnedLink link : plumber.ownedLinks()) {
      Integer ifindex = EndpointPlumber.ifindex(link.hostInterface()).orElse(null);
      if (ifindex != null) {
        for (TcDirection d : TcDirection.values()) {
          detached += new TcAttachment(ifindex, d).detach() ? 1 : 0;
        }
      }
      plumber.unplumb(link.endpoint());
      endpoints.add(link.endpoint());
      LOG.debug("removed endpoint plumbing node={} endpoint={} interface={}", node, link.endpoint(), link.hostInterface());
    }
    int pins = unpinAll(pinRoot);
    LOG.info("datapath cleaned node={} endpoints={} detached={} pins={}", node, endpoints.size(), detached, pins);
    return new Report(List.copyOf(endpoints), detached, pins);
  }

  private static int unpinAll(Path pinRoot) {
    if (!Files.exists(pinRoot)) {
      return 0;
    }
    int n = 0;
    try (Stream<Path> walk = Files.walk(pinRoot)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        n += Files.isDirectory(p) ? 0 : 1;
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove pins under " + pinRoot, e);
    }
    return n;
  }
}
