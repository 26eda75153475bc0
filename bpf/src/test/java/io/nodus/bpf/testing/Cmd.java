package io.nodus.bpf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command line (ip, nsenter, gcc) for test fixtures, failing loudly with its output. */
public final class Cmd {
    private Cmd() {
    }

    /** Runs and returns stdout+stderr; throws when the exit code is not 0. */
    public static String run(String... argv) {
        Result r = exec(argv);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("command failed (" + r.exitCode() + "): " + String.join(" ", argv)
                    + "\n" + r.output());
        }
        return r.output();
    }

    /** Runs for cleanup: failures are returned, never thrown. */
    public static Result quiet(String... argv) {
        try {
            return exec(argv);
        } catch (RuntimeException e) {
            return new Result(-1, e.toString());
        }
    }

    public static Result exec(String... argv) {
        try {
            Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("command timed out: " + String.join(" ", argv));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Exit code and combined output. */
    public record Result(int exitCode, String output) {
    }
}
