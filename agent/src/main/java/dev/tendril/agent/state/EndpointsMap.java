package dev.tendril.agent.state;

import dev.tendril.datapath.ipcache.IpcacheKey;
import dev.tendril.datapath.maps.MapSpec;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.regex.Pattern;

/**
 * Byte layout of the node's local endpoints map, {@code cilium_lxc}: a hash from an endpoint address to
 * the endpoint's id and identity. The key mirrors Cilium's {@code struct endpoint_key}; the value is a
 * Tendril reduction of Cilium's {@code struct endpoint_info} to what Tendril's datapath reads.
 *
 * <pre>
 * key   20 B: ip[16] (IPv4 in the first 4 bytes, rest zero) | family u8 (1 = IPv4, 2 = IPv6) | pad u8 | cluster_id u16 (0)
 * value  8 B: endpoint_id u32 | sec_identity u32      (host byte order, little-endian on x86-64 and arm64)
 * </pre>
 */
public final class EndpointsMap {

    public static final String NAME = "cilium_lxc";
    public static final int KEY_SIZE = 20;
    public static final int VALUE_SIZE = 8;
    /** Cilium's ENDPOINTS_MAP_SIZE. */
    public static final int MAX_ENTRIES = 65_535;

    public static final int FAMILY_IPV4 = 1;
    public static final int FAMILY_IPV6 = 2;

    private EndpointsMap() {}

    public static MapSpec spec() {
        return MapSpec.hash(NAME, KEY_SIZE, VALUE_SIZE, MAX_ENTRIES);
    }

    /** One endpoint address. */
    public record Key(InetAddress address) {

        // Compiled once: every local endpoint's address is parsed whenever cilium_lxc is rebuilt.
        private static final Pattern ADDRESS_CHARACTERS = Pattern.compile("[0-9a-fA-F:.]+");

        public Key {
            if (address == null) {
                throw new IllegalArgumentException("address must not be null");
            }
        }

        /** @throws IllegalArgumentException when the literal is not an IP address */
        public static Key of(String literal) {
            if (literal == null
                    || literal.isBlank()
                    || !ADDRESS_CHARACTERS.matcher(literal).matches()) {
                throw new IllegalArgumentException("not an IP address: " + literal);
            }
            try {
                return new Key(InetAddress.getByName(literal));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + literal, e);
            }
        }

        public byte[] encode() {
            byte[] out = new byte[KEY_SIZE];
            byte[] ip = address.getAddress();
            System.arraycopy(ip, 0, out, 0, ip.length);
            out[16] = (byte) (address instanceof Inet4Address ? FAMILY_IPV4 : FAMILY_IPV6);
            return out;
        }

        public static Key decode(byte[] bytes) {
            if (bytes == null || bytes.length != KEY_SIZE) {
                throw new IllegalArgumentException("endpoints map key must be " + KEY_SIZE + " bytes");
            }
            int family = bytes[16];
            byte[] ip = new byte[family == FAMILY_IPV4 ? 4 : 16];
            if (family != FAMILY_IPV4 && family != FAMILY_IPV6) {
                throw new IllegalArgumentException("endpoints map key has unknown family " + family);
            }
            System.arraycopy(bytes, 0, ip, 0, ip.length);
            try {
                return new Key(InetAddress.getByAddress(ip));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }

        /** Canonical text: dotted IPv4, compressed IPv6. */
        public String ip() {
            return IpcacheKey.format(address);
        }
    }

    /** The endpoint behind an address. */
    public record Value(int endpointId, long identity) {

        public Value {
            if (endpointId < 0) {
                throw new IllegalArgumentException("endpointId must not be negative");
            }
            if (identity < 0 || identity > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("identity must be a u32");
            }
        }

        public byte[] encode() {
            return ByteBuffer.allocate(VALUE_SIZE)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(endpointId)
                    .putInt((int) identity)
                    .array();
        }

        public static Value decode(byte[] bytes) {
            if (bytes == null || bytes.length != VALUE_SIZE) {
                throw new IllegalArgumentException("endpoints map value must be " + VALUE_SIZE + " bytes");
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            return new Value(b.getInt(), Integer.toUnsignedLong(b.getInt()));
        }
    }
}
