package io.nodus.ops.bench.controlplane;

import java.util.Arrays;

/** Latency samples of one thread, in nanoseconds; merged and summarized at the end. */
final class LatencyRecorder {
  private long[] samples = new long[1 << 16];
  private int count;

  void record(long nanos) {
    if (count == samples.length) {
      samples = Arrays.copyOf(samples, count * 2);
    }
    samples[count++] = nanos;
  }

  int count() {
    return count;
  }

  /**
   * Percentiles of merged samples.
   *
   * @param count samples
   * @param p50Millis median
   * @param p99Millis 99th percentile
   * @param maxMillis largest sample
   */
  record Summary(int count, double p50Millis, double p99Millis, double maxMillis) {}

  static Summary summarize(Iterable<LatencyRecorder> recorders) {
    int total = 0;
    for (LatencyRecorder r : recorders) {
      total += r.count;
    }
    long[] all = new long[total];
    int at = 0;
    for (LatencyRecorder r : recorders) {
      System.arraycopy(r.samples, 0, all, at, r.count);
      at += r.count;
    }
    Arrays.sort(all);
    if (total == 0) {
      return new Summary(0, Double.NaN, Double.NaN, Double.NaN);
    }
    return new Summary(total, all[(int) (total * 0.50)] / 1e6, all[Math.min(total - 1, (int) (total * 0.99))] / 1e6, all[total - 1] / 1e6);
  }
}
