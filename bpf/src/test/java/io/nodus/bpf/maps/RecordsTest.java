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
    void logPositionKeepsAClusterIdOfAtMost47PrintableBytes() {
        String longest = "u".repeat(LogPosition.MAX_CLUSTER_BYTES);
        LogPosition p = new LogPosition(longest, 12, 34);
        assertThat(LogPositionMap.decode(LogPositionMap.encode(p))).hasValue(p);
        assertThat(LogPositionMap.encode(p)[24 + LogPosition.MAX_CLUSTER_BYTES]).as("NUL-terminated").isZero();
        assertThat(LogPositionMap.decode(new byte[LogPositionMap.SHAPE.valueSize()])).as("never written").isEmpty();
        assertThat(LogPositionMap.decode(LogPositionMap.encode(LogPosition.NONE))).hasValue(LogPosition.NONE);
        assertThatThrownBy(() -> new LogPosition(longest + "u", 1, 1)).hasMessageContaining("at most 47");
        assertThatThrownBy(() -> new LogPosition("a b", 1, 1)).hasMessageContaining("printable");
        assertThatThrownBy(() -> new LogPosition("u", -1, 1)).hasMessageContaining(">= 0");
    }

    @Test
    void policyKeyIsAnLpmKeyWithThePortInNetworkOrder() {
        PolicyKey http = PolicyKey.ingress(0x01020304, 8080, PolicyKey.TCP);
        byte[] key = PolicyMap.encodeKey(http);
        // prefixlen 64 and identity in host order (little endian), direction, proto, port big endian
        assertThat(key).containsExactly(64, 0, 0, 0, 0x04, 0x03, 0x02, 0x01, 0, 6, 0x1f, (byte) 0x90);
        assertThat(PolicyMap.decodeKey(key)).isEqualTo(http);

        PolicyKey block = new PolicyKey(7, TrafficDirection.EGRESS, PolicyKey.UDP, 1024, 6); // 1024-2047
        assertThat(PolicyMap.encodeKey(block)[0]).isEqualTo((byte) 54);
        assertThat(PolicyMap.decodeKey(PolicyMap.encodeKey(block))).isEqualTo(block);
        assertThat(block.firstPort()).isEqualTo(1024);
        assertThat(block.lastPort()).isEqualTo(2047);
        PolicyKey l3 = PolicyKey.egress(7, 0, PolicyKey.ANY_PROTO);
        assertThat(PolicyMap.encodeKey(l3)[0]).isEqualTo((byte) 40);
        assertThat(PolicyMap.decodeKey(PolicyMap.encodeKey(l3))).isEqualTo(l3);
    }

    @Test
    void policyValueCarriesTheKeyPrefixAndTheRuleRange() {
        PolicyKey key = PolicyKey.ingress(5, 80, PolicyKey.TCP);
        PolicyValue proxied = new PolicyValue(false, 15001, 80, 80);
        byte[] raw = PolicyMap.encodeValue(key, proxied);
        assertThat(raw[1]).isEqualTo((byte) 64);
        assertThat(PolicyMap.decodeValue(raw)).isEqualTo(proxied);
        assertThat(PolicyMap.encodeValue(key, PolicyValue.deny(8000, 8100))[0]).isEqualTo((byte) 1);
        assertThat(PolicyMap.decodeValue(PolicyMap.encodeValue(key, PolicyValue.deny(8000, 8100))))
                .isEqualTo(PolicyValue.deny(8000, 8100));
    }

    @Test
    void policyRecordsValidateRanges() {
        assertThatThrownBy(() -> PolicyKey.ingress(1, 70000, 6)).hasMessageContaining("port");
        assertThatThrownBy(() -> PolicyKey.ingress(-1, 80, 6)).hasMessageContaining("identity");
        assertThatThrownBy(() -> PolicyKey.egress(1, 80, 300)).hasMessageContaining("proto");
        assertThatThrownBy(() -> new PolicyKey(1, TrafficDirection.INGRESS, 6, 1025, 6)).hasMessageContaining("bits");
        assertThatThrownBy(() -> new PolicyKey(1, TrafficDirection.INGRESS, 0, 80, 16)).hasMessageContaining("any protocol");
        assertThatThrownBy(() -> new PolicyValue(true, 15001, 0, 0)).hasMessageContaining("deny");
        assertThatThrownBy(() -> new PolicyMapRule(1, TrafficDirection.INGRESS, 6, 90, 80, false))
                .hasMessageContaining("port range");
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
