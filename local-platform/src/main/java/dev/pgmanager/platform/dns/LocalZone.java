package dev.pgmanager.platform.dns;

import dev.pgmanager.dns.DiscoveredMember;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.FlyMemberList;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.store.MachineIds;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A local cluster's private zone as Fly would serve it, at one moment: {@code <id>.vm.<app>.internal} for each
 * member and the {@code vms.<app>.internal} member list. Immutable; the server swaps whole zones.
 */
record LocalZone(String app, Duration ttl, Map<String, LocalMember> members) {

    /** One machine: where it is now, and its region for the member list. */
    record LocalMember(InetAddress address, String region) {}

    LocalZone {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
        members.keySet().forEach(MachineIds::requireValid);
        members = Map.copyOf(members);
        origin(app); // fails now on an app that cannot name a zone, not on the first query
    }

    LocalZone withTtl(Duration newTtl) {
        return new LocalZone(app, newTtl, members);
    }

    LocalZone withMember(String machineId, LocalMember member) {
        Map<String, LocalMember> changed = new HashMap<>(members);
        changed.put(machineId, member);
        return new LocalZone(app, ttl, changed);
    }

    LocalZone withoutMember(String machineId) {
        Map<String, LocalMember> changed = new HashMap<>(members);
        changed.remove(machineId);
        return new LocalZone(app, ttl, changed);
    }

    /** The authoritative answer to a query. */
    Message answer(Message query) {
        Record question = query.getQuestion();
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            return emptyResponse(query, Rcode.NOTIMP);
        }
        if (question == null) {
            return emptyResponse(query, Rcode.FORMERR);
        }
        Name name = question.getName();
        Name origin = origin(app);
        Name vmParent = child("vm", origin);
        if (name.equals(child(dev.pgmanager.dns.DnsAddressResolver.INSTANCES_NAME, Name.root))) {
            // the organization's machines, as Fly lists them: here, the cluster's members are all there is
            Message response = emptyResponse(query, Rcode.NOERROR);
            if (question.getType() == Type.TXT) response.addRecord(instanceList(name), Section.ANSWER);
            return response;
        }
        if (!name.subdomain(origin)) {
            return emptyResponse(query, Rcode.REFUSED); // not our zone: we are no recursive resolver
        }
        Message response = emptyResponse(query, Rcode.NOERROR);
        if (name.equals(child(DnsSettings.membersNameOf(app), Name.root))) {
            if (question.getType() == Type.TXT) {
                response.addRecord(memberList(name), Section.ANSWER);
            }
        } else if (name.labels() == vmParent.labels() + 1 && name.subdomain(vmParent)) {
            LocalMember member = members.get(name.getLabelString(0));
            if (member == null) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
            } else if (question.getType() == addressType(member.address())) {
                response.addRecord(addressRecord(name, member.address()), Section.ANSWER);
            }
        } else if (!name.equals(origin) && !name.equals(vmParent)) {
            // the apex and vm.<app>.internal exist as parents of the names above; anything else does not
            response.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        return response;
    }

    /** A response carrying only the question and a result code, as a failing server would send. */
    static Message emptyResponse(Message query, int rcode) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        response.getHeader().setOpcode(query.getHeader().getOpcode());
        response.getHeader().setRcode(rcode);
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        OPTRecord clientOpt = query.getOPT();
        if (clientOpt != null) {
            // an EDNS query gets an EDNS answer (RFC 6891), which tells dnsjava our UDP size
            response.addRecord(new OPTRecord(clientOpt.getPayloadSize(), 0, 0), Section.ADDITIONAL);
        }
        return response;
    }

    private TXTRecord memberList(Name name) {
        var listed = members.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new DiscoveredMember(MachineId.of(e.getKey()), e.getValue().region()))
                .toList();
        return new TXTRecord(name, DClass.IN, ttl.toSeconds(), FlyMemberList.format(listed));
    }

    /** {@code instance=<id>,app=<app>,ip=<address>,region=<region>} per member, in strings of at most 255 bytes. */
    private TXTRecord instanceList(Name name) {
        List<String> strings = new java.util.ArrayList<>();
        members.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> strings.add("instance=" + e.getKey() + ",app="
                + app + ",ip=" + e.getValue().address().getHostAddress() + ",region=" + e.getValue().region()));
        return new TXTRecord(name, DClass.IN, ttl.toSeconds(), strings.isEmpty() ? List.of("") : strings);
    }

    private Record addressRecord(Name name, InetAddress address) {
        return address instanceof Inet6Address
                ? new AAAARecord(name, DClass.IN, ttl.toSeconds(), address)
                : new ARecord(name, DClass.IN, ttl.toSeconds(), address);
    }

    private static int addressType(InetAddress address) {
        return address instanceof Inet6Address ? Type.AAAA : Type.A;
    }

    private static Name origin(String app) {
        try {
            return Name.fromString(app + ".internal.");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("app cannot name a DNS zone: " + app, e);
        }
    }

    private static Name child(String label, Name parent) {
        try {
            return Name.fromString(label, parent);
        } catch (TextParseException e) {
            throw new IllegalStateException("cannot name " + label + " under " + parent, e);
        }
    }
}
