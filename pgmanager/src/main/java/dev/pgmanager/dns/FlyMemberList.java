package dev.pgmanager.dns;

import dev.pgmanager.net.MachineId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.xbill.DNS.TXTRecord;

/**
 * Fly's TXT list of an app's machines: {@code "<id> <region>,<id> <region>"}. DNS limits one TXT string to 255
 * bytes, so a long list arrives as several strings, split anywhere (even inside an ID), to be joined back first.
 * An entry whose ID is not a machine ID names no member: it is left out, never turned into a host name.
 */
public final class FlyMemberList {

    static final int MAX_TXT_STRING = 255;

    private FlyMemberList() {}

    static List<DiscoveredMember> parse(Collection<TXTRecord> records) {
        Map<MachineId, DiscoveredMember> byId = new LinkedHashMap<>();
        for (TXTRecord record : records) {
            for (String entry : joined(record).split(",")) {
                String[] fields = entry.trim().split("\\s+");
                String region = fields.length > 1 ? fields[1] : "";
                machineId(fields[0]).ifPresent(id -> byId.putIfAbsent(id, new DiscoveredMember(id, region)));
            }
        }
        return List.copyOf(byId.values());
    }

    /** The TXT strings that carry these members (IDs and regions are ASCII, so characters count as bytes). */
    public static List<String> format(Collection<DiscoveredMember> members) {
        String text = members.stream()
                .map(m -> m.machineId() + " " + m.region())
                .collect(Collectors.joining(","));
        List<String> strings = new ArrayList<>();
        for (int start = 0; start < text.length(); start += MAX_TXT_STRING) {
            strings.add(text.substring(start, Math.min(text.length(), start + MAX_TXT_STRING)));
        }
        return strings.isEmpty() ? List.of("") : strings;
    }

    private static Optional<MachineId> machineId(String text) {
        try {
            return Optional.of(MachineId.of(text));
        } catch (IllegalArgumentException notAMachineId) {
            return Optional.empty();
        }
    }

    /** The {@code ip=} values of Fly's {@code _instances.internal} entries; what is not an IP literal is left out. */
    static java.util.Set<java.net.InetAddress> instanceAddresses(Collection<TXTRecord> records) {
        java.util.Set<java.net.InetAddress> addresses = new java.util.HashSet<>();
        for (TXTRecord record : records) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|[,;\\s])ip=([0-9A-Fa-f:.]+)").matcher(joined(record));
            while (m.find()) {
                try {
                    addresses.add(java.net.InetAddress.ofLiteral(m.group(1)));
                } catch (IllegalArgumentException e) {
                    // not an address: no machine to recognise by it
                }
            }
        }
        return addresses;
    }

    private static String joined(TXTRecord record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        record.getStringsAsByteArrays().forEach(bytes::writeBytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
