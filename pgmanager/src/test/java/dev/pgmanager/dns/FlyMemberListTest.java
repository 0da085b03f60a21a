package dev.pgmanager.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pgmanager.net.MachineId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

class FlyMemberListTest {
    @Test
    void anEntryThatIsNoMachineIdIsLeftOut() throws Exception {
        var record = new TXTRecord(Name.fromString("vms.pg.internal."), DClass.IN, 5,
                List.of("3d8d9b2fc1e718 iad,evil.example.com:2181 ams,,E2865D13A56789 ord,91857e4b62d359 ams"));
        assertEquals(List.of(new DiscoveredMember(MachineId.of("3d8d9b2fc1e718"), "iad"),
                new DiscoveredMember(MachineId.of("91857e4b62d359"), "ams")), FlyMemberList.parse(List.of(record)));
    }
}
