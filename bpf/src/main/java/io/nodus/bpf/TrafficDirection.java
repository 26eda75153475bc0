package io.nodus.bpf;

/**
 * Direction relative to an endpoint, with the datapath's encoding (policy keys, CT keys, events,
 * metrics all use it): ingress = into the endpoint, egress = out of it.
 */
public enum TrafficDirection {
    INGRESS(0),
    EGRESS(1);

    private final int code;

    TrafficDirection(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static TrafficDirection of(int code) {
        return switch (code) {
            case 0 -> INGRESS;
            case 1 -> EGRESS;
            default -> throw new IllegalArgumentException("unknown traffic direction " + code);
        };
    }
}
