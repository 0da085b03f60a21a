package dev.pgmanager.net;

import java.net.InetAddress;

/** An address block in CIDR notation ({@code fdaa::/16}, {@code 127.0.0.1/32}). */
public record Network(InetAddress base, int prefixLength) {

    /** @throws IllegalArgumentException when {@code cidr} is not an address, a slash and a prefix length that fits it */
    public static Network parse(String cidr) {
        int slash = cidr.indexOf('/');
        InetAddress base = InetAddress.ofLiteral(slash < 0 ? cidr : cidr.substring(0, slash));
        int bits = base.getAddress().length * 8;
        int prefix = slash < 0 ? bits : Integer.parseInt(cidr.substring(slash + 1));
        if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("prefix length out of range in " + cidr);
        return new Network(base, prefix);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] b = base.getAddress();
        if (a.length != b.length) return false;
        for (int bit = 0; bit < prefixLength; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) return false;
        }
        return true;
    }
}
