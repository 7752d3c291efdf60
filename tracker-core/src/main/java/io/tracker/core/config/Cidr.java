package io.tracker.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** An IP address or CIDR range ({@code 10.0.0.0/8}, {@code 2001:db8::/32}); literals only, never a DNS lookup. */
public final class Cidr {
    private final byte[] net;
    private final int bits;

    private Cidr(byte[] net, int bits) {
        this.net = net;
        this.bits = bits;
    }

    public static boolean valid(String spec) {
        try {
            parse(spec);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static Cidr parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("not an IP or CIDR: null");
        }
        int slash = spec.indexOf('/');
        byte[] net = literal(slash < 0 ? spec.trim() : spec.substring(0, slash).trim());
        if (net == null) {
            throw new IllegalArgumentException("not an IP or CIDR: " + spec);
        }
        int bits;
        try {
            bits = slash < 0 ? net.length * 8 : Integer.parseInt(spec.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length: " + spec);
        }
        if (bits < 0 || bits > net.length * 8) {
            throw new IllegalArgumentException("bad prefix length: " + spec);
        }
        return new Cidr(net, bits);
    }

    public static List<Cidr> parseAll(List<String> specs) {
        return specs.stream().map(Cidr::parse).toList();
    }

    public boolean contains(byte[] address) {
        if (address == null || address.length != net.length) {
            return false;
        }
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((net[i / 8] & mask) != (address[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** The lowest address of the range. */
    public byte[] first() {
        byte[] a = net.clone();
        for (int i = bits; i < a.length * 8; i++) {
            a[i / 8] &= (byte) ~(0x80 >>> (i % 8));
        }
        return a;
    }

    /** The highest address of the range. */
    public byte[] last() {
        byte[] a = net.clone();
        for (int i = bits; i < a.length * 8; i++) {
            a[i / 8] |= (byte) (0x80 >>> (i % 8));
        }
        return a;
    }

    public static boolean anyContains(List<Cidr> ranges, byte[] address) {
        for (Cidr c : ranges) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final java.util.regex.Pattern IPV6ISH = java.util.regex.Pattern.compile("[0-9a-fA-F:.]+");

    /** Whether {@code ip} is a dotted IPv4 literal with octets 0–255. */
    public static boolean isIpv4(String ip) {
        // (what IPV4 matches, without a Matcher per call: this runs for every event's client address)
        int octets = 0;
        int i = 0;
        int n = ip.length();
        while (i < n && octets < 4) {
            int start = i;
            int value = 0;
            while (i < n && i - start < 3 && ip.charAt(i) >= '0' && ip.charAt(i) <= '9') {
                value = value * 10 + (ip.charAt(i++) - '0');
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && ip.charAt(start) == '0')) {
                return false;
            }
            octets++;
            if (octets < 4) {
                if (i >= n || ip.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        return octets == 4 && i == n;
    }

    /**
     * The bytes of an IP literal (4 or 16), or null for anything else. Only strings that are literals reach
     * InetAddress (999.1.1.1 would otherwise be taken for a host name and looked up).
     */
    public static byte[] literal(String ip) {
        if (ip == null || ip.isEmpty()
                || (ip.indexOf(':') < 0 ? !isIpv4(ip) : !IPV6ISH.matcher(ip).matches())) {
            return null;
        }
        try {
            return InetAddress.getByName(ip).getAddress(); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
