package io.nodus.bpf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/** Pin directories for tests: {@code /sys/fs/bpf/nodus/test-<random>/}, removed recursively. */
public final class BpfFs {
    public static final Path ROOT = Path.of("/sys/fs/bpf");

    private BpfFs() {
    }

    /** Mounts bpffs when the machine has not (a fresh machine may not). */
    public static void ensureMounted() {
        if (Cmd.exec("mountpoint", "-q", ROOT.toString()).exitCode() != 0) {
            Cmd.run("mount", "-t", "bpf", "bpf", ROOT.toString());
        }
    }

    public static String randomSuffix() {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** A fresh, not yet existing pin root. */
    public static Path newPinRoot() {
        ensureMounted();
        return ROOT.resolve("nodus").resolve("test-" + randomSuffix());
    }

    /** Deletes {@code dir} and everything pinned below it; never throws. */
    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
        // The shared parent (/sys/fs/bpf/nodus) goes too once no other pin root is left in it.
        try {
            Files.deleteIfExists(dir.getParent());
        } catch (IOException e) {
            // not empty: another node's or test's pins live there
        }
    }
}
