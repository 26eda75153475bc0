package io.nodus.bpf.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.bpf.TrafficDirection;

import org.junit.jupiter.api.Test;

/** Validation and byte layouts of the key/value records, without the kernel. */
class RecordsTest {

    @Test
    void prefixRejectsHostBitsAndBadLengths() {
        assertThat(Ipv4Prefix.parse("10.0.0.0/8").contains(Ipv4.parse("10.1.2.3"))).isTrue();
        assertThat(Ipv4Prefix.parse("0.0.0.0/0").contains(Ipv4.parse("192.0.2.1"))).isTrue();
        assertThat(Ipv4Prefix.parse("10.0.0.1").length()).isEqualTo(32);
        assertThatThrownBy(() -> Ipv4Prefix.parse("10.0.0.1/8")).hasMessageContaining("host bits");
        assertThatThrownBy(() -> Ipv4Prefix.parse("10.0.0.0/33")).hasMessageContaining("0..32");
        assertThatThrownBy(() -> Ipv4.parse("10.0.0")).hasMessageContaining("not an IPv4");
        assertThatThrownBy(() -> Ipv4.parse("10.0.0.256")).hasMessageContaining("not an IPv4");
    }

    @Test
    void policyKeyPortsTravelInNetworkOrder() {
        byte[] key = PolicyMap.encodeKey(PolicyKey.ingress(0x01020304, 8080, PolicyKey.TCP));
        // identity host order (little endian), port big endian, proto, direction
        assertThat(key).containsExactly(0x04, 0x03, 0x02, 0x01, 0x1f, (byte) 0x90, 6, 0);
        assertThat(PolicyMap.decodeKey(key)).isEqualTo(PolicyKey.ingress(0x01020304, 8080, PolicyKey.TCP));
        assertThat(PolicyMap.decodeValue(PolicyMap.encodeValue(new PolicyValue(false, 15001))))
                .isEqualTo(new PolicyValue(false, 15001));
        assertThat(PolicyMap.encodeValue(PolicyValue.DENY)[0]).isEqualTo((byte) 1);
    }

    @Test
    void policyRecordsValidateRanges() {
        assertThatThrownBy(() -> PolicyKey.ingress(1, 70000, 6)).hasMessageContaining("port");
        assertThatThrownBy(() -> PolicyKey.ingress(-1, 80, 6)).hasMessageContaining("identity");
        assertThatThrownBy(() -> PolicyKey.egress(1, 80, 300)).hasMessageContaining("proto");
        assertThatThrownBy(() -> new PolicyValue(true, 15001)).hasMessageContaining("deny");
    }

    @Test
    void ctKeyRoundTrips() {
        CtKey key = new CtKey(Ipv4.parse("10.0.0.1"), Ipv4.parse("10.0.0.2"), 40000, 443, 6, TrafficDirection.EGRESS);
        byte[] raw = CtMap.encodeKey(key);
        assertThat(raw).startsWith(10, 0, 0, 1, 10, 0, 0, 2, (byte) 0x9c, 0x40, 0x01, (byte) 0xbb, 6, 1);
        assertThat(CtMap.decodeKey(raw)).isEqualTo(key);
        CtValue value = new CtValue(123, 4, 5, false, true);
        assertThat(CtMap.decodeValue(CtMap.encodeValue(value))).isEqualTo(value);
    }

    @Test
    void endpointAndIpcacheValuesRoundTrip() {
        EndpointInfo info = new EndpointInfo(1, 2, Ipv4.parse("10.0.0.3"), false, true);
        assertThat(EndpointMap.decodeValue(EndpointMap.encodeValue(info))).isEqualTo(info);
        IpCacheEntry entry = new IpCacheEntry(256, Ipv4.parse("192.0.2.7"), 0);
        assertThat(IpCacheMap.decodeValue(IpCacheMap.encodeValue(entry))).isEqualTo(entry);
        assertThat(IpCacheMap.decodeKey(IpCacheMap.encodeKey(Ipv4Prefix.parse("10.8.0.0/13"))))
                .isEqualTo(Ipv4Prefix.parse("10.8.0.0/13"));
        assertThatThrownBy(() -> EndpointMap.encodeKey(0)).hasMessageContaining("ifindex");
    }
}
