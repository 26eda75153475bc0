package io.nodus.bpf.maps;

import java.util.Objects;

import io.nodus.bpf.DropReason;
import io.nodus.bpf.TrafficDirection;

/** A metrics counter's key: reason code (0 = forwarded, see {@link DropReason}) and direction. */
public record MetricsKey(int reasonCode, TrafficDirection direction) {

    public MetricsKey {
        if (reasonCode < 0 || reasonCode > 0xff) {
            throw new IllegalArgumentException("reasonCode must be 0..255, was " + reasonCode);
        }
        Objects.requireNonNull(direction, "direction");
    }

    public static MetricsKey of(DropReason reason, TrafficDirection direction) {
        return new MetricsKey(reason.code(), direction);
    }

    public DropReason reason() {
        return DropReason.of(reasonCode);
    }
}
