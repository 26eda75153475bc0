package io.nodus.rest.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The in-repo conformance corpus ({@code conformance/} at the repository root), every policy file
 * rendered by the corpus's own {@code render} script. The root comes from the system property
 * {@code nodus.repo.root} (set by the root pom's surefire configuration), else from walking up
 * from the working directory.
 */
public final class ConformanceCorpus {
  private ConformanceCorpus() {}

  /** A rendered corpus file: its path relative to the corpus folder and its text. */
  public record Rendered(String name, String text) {
    @Override
    public String toString() {
      return name;
    }
  }

  public static Path root() {
    String configured = System.getProperty("nodus.repo.root");
    if (configured != null && !configured.isBlank() && Files.isRegularFile(Path.of(configured, "conformance", "render"))) {
      return Path.of(configured, "conformance");
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("conformance").resolve("render"))) {
        return p.resolve("conformance");
      }
    }
    throw new IllegalStateException("no conformance/ folder with a render script above " + Path.of("").toAbsolutePath());
  }

  /** Every policy file (YAML or JSON), sorted by path. */
  public static List<Path> files() {
    Path root = root();
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml") || p.toString().endsWith(".json"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every policy file, rendered. */
  public static List<Rendered> rendered() {
    Path root = root();
    return files().stream().map(f -> new Rendered(root.relativize(f).toString(), render(f))).toList();
  }

  /** Runs {@code conformance/render FILE} and returns what it prints. */
  public static String render(Path file) {
    try {
      Process p = new ProcessBuilder("sh", root().resolve("render").toString(), file.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("render failed for " + file);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
