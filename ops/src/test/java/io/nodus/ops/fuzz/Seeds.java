package io.nodus.ops.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Valid inputs the mutations start from: every document of the conformance corpus (rendered by
 * its own script) for policies. The root comes from {@code nodus.repo.root}, as the other corpus
 * tests find it, else from walking up from the working directory.
 */
final class Seeds {
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private Seeds() {}

  /** Every document of every corpus file. */
  static List<JsonNode> policies() throws IOException, InterruptedException {
    Path corpus = corpus();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(corpus)) {
      files = walk.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml") || p.toString().endsWith(".json"))
          .sorted().toList();
    }
    List<JsonNode> docs = new ArrayList<>();
    for (Path f : files) {
      try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(render(corpus, f))) {
        while (it.hasNextValue()) {
          JsonNode d = it.nextValue();
          if (d != null && d.isObject()) {
            docs.add(d);
          }
        }
      }
    }
    if (docs.size() < 20) {
      throw new IllegalStateException("only " + docs.size() + " corpus documents under " + corpus);
    }
    return docs;
  }

  private static Path corpus() {
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

  private static String render(Path corpus, Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", corpus.resolve("render").toString(), file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("render failed for " + file);
    }
    return out;
  }

  /** {@code template} with {@code {N}} replaced by a number below {@code bound}, parsed. */
  static JsonNode fresh(String template, Mutator m, int bound) {
    try {
      return YAML.readTree(template.replace("{N}", Integer.toString(m.below(bound))));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
