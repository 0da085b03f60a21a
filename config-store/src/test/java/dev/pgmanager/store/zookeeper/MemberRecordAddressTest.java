package dev.pgmanager.store.zookeeper;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgmanager.store.Member;
import dev.pgmanager.store.MemberRole;
import dev.pgmanager.store.MemberState;
import java.net.Inet6Address;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Addresses change when a machine moves, so the member record, as stored, must hold none. */
class MemberRecordAddressTest {
    @RegisterExtension
    static final StandaloneServerExtension zk = new StandaloneServerExtension();

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** Splits camelCase and snake_case keys into words, so "apiPort" is "api" + "port", not an "ip". */
    private static final Pattern WORD_BOUNDARY = Pattern.compile("(?<=[a-z0-9])(?=[A-Z])|_|-");

    @Test
    void theStoredMemberRecordHoldsNoNetworkAddress() throws Exception {
        String cluster = zk.newCluster();
        var member = new Member("e7843d9c2e1589", "ams", MemberRole.REPLICA, MemberState.STREAMING, 4, 123, 120,
                new Member.Tags(false, 1), 5432, 8008, Instant.now());
        zk.store(cluster).touchMember(member);

        byte[] stored = zk.rawClient().getData().forPath("/pgmanager/" + cluster + "/members/" + member.machineId());
        var problems = new ArrayList<String>();
        inspect("", new ObjectMapper().readTree(stored), problems);

        assertTrue(problems.isEmpty(), "the member record holds network addresses: " + problems);
    }

    private static void inspect(String where, JsonNode node, List<String> problems) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (namesAnAddress(field.getKey())) problems.add("key " + where + field.getKey());
                inspect(where + field.getKey() + ".", field.getValue(), problems);
            }
        } else if (node.isArray()) {
            node.forEach(element -> inspect(where, element, problems));
        } else if (node.isTextual() && isIpLiteral(node.textValue())) {
            problems.add("value " + where + " = " + node.textValue());
        }
    }

    private static boolean namesAnAddress(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return lower.contains("host") || lower.contains("addr")
                || Arrays.stream(WORD_BOUNDARY.split(key)).map(w -> w.toLowerCase(Locale.ROOT))
                        .anyMatch(word -> word.equals("ip") || word.startsWith("ipv") || word.equals("ips"));
    }

    private static boolean isIpLiteral(String value) {
        if (IPV4.matcher(value).matches()) return true;
        if (!value.contains(":")) return false;
        try {
            Inet6Address.ofLiteral(value);
            return true;
        } catch (IllegalArgumentException notAnAddress) {
            return false;
        }
    }
}
