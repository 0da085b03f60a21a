package dev.pgmanager.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Addresses as operators write them: {@code fdaa::1} rather than Java's {@code fdaa:0:0:0:0:0:0:1}. */
public final class AddressText {

    private AddressText() {}

    /**
     * Whether two address texts name the same address ({@code fdaa::1} and {@code fdaa:0:0:0:0:0:0:1} do); texts that
     * are not literal addresses are compared as they are. Never looks anything up.
     */
    public static boolean same(String a, String b) {
        if (a.equals(b)) return true;
        try {
            return InetAddress.ofLiteral(a).equals(InetAddress.ofLiteral(b));
        } catch (IllegalArgumentException notLiteral) {
            return false;
        }
    }

    /** A literal address as operators write it ({@code fdaa::10}, not {@code fdaa:0:0:0:0:0:0:10}). */
    public static String canonical(String address) {
        try {
            return of(InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + address, e);
        }
    }

    public static String of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] bytes = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
        }
        // RFC 5952: "::" replaces the longest run of two or more zero groups, the first such run on a tie
        int runStart = -1;
        int runLength = 1;
        for (int i = 0; i < groups.length; ) {
            int end = i;
            while (end < groups.length && groups[end] == 0) {
                end++;
            }
            if (end - i > runLength) {
                runStart = i;
                runLength = end - i;
            }
            i = Math.max(end, i + 1);
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < groups.length; i++) {
            if (i == runStart) {
                text.append("::");
                i += runLength - 1;
            } else {
                if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                    text.append(':');
                }
                text.append(Integer.toHexString(groups[i]));
            }
        }
        return text.toString();
    }
}
