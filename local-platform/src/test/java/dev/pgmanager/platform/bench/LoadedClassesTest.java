package dev.pgmanager.platform.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadedClassesTest {
    /** As jcmd 25 prints it: the PID, the header, a class a line with its name last (some without flags). */
    private static final List<String> JCMD = List.of(
            "4242:",
            "KlassAddr           Size  State                 Flags    ClassName",
            "0x00000000cd03e800    66  fully_initialized     W        java.lang.invoke.LambdaForm$MH/0x00000000cd03e800",
            "0x00000000cd03e400    70  fully_initialized              dev.pgmanager.sidecar.Sidecar$$Lambda/0x00000000cd03e400",
            "0x00000000cd03e300    70  fully_initialized              dev.pgmanager.sidecar.Sidecar$$Lambda/0x00000000cd03e300",
            "0x00000000cd03e000    70  fully_initialized              dev.pgmanager.sidecar.Sidecar",
            "0x00000000cd03d000    70  linked                         [Lcom.fasterxml.jackson.databind.JsonNode;",
            "0x00000000cd03c000    70  fully_initialized              [[B",
            "0x00000000cd03b000    70  fully_initialized              org.apache.zookeeper.server.quorum.QuorumPeer",
            "0x00000000cd03a000    70  fully_initialized              org.apache.zookeeper.server.ZooKeeperThread",
            "0x00000000cd039000    70  fully_initialized              com.example.Unknown",
            "");

    @Test
    void everyClassLineCountsOnceWithoutAHiddenClasssAddress() {
        LoadedClasses classes = LoadedClasses.parse(JCMD);
        // two lambdas of one class are two classes, though named alike once their addresses are left off
        assertEquals(9, classes.total());
        assertTrue(classes.contains("dev.pgmanager.sidecar.Sidecar$$Lambda"));
        assertTrue(classes.contains("java.lang.invoke.LambdaForm$MH"));
    }

    @Test
    void aClassCountsWithItsLibraryAndAnArrayWithItsElements() {
        assertEquals(Map.of("the JDK", 2L, "pgmanager", 3L, "Jackson", 1L, "ZooKeeper", 2L, "other", 1L),
                LoadedClasses.parse(JCMD).byLibrary());
        assertEquals("Jetty", LoadedClasses.library("org.eclipse.jetty.server.Server"));
        assertEquals("the JDK", LoadedClasses.library("[I"));
    }

    @Test
    void aPeerIsTheJvmThatLoadedZooKeepersQuorumPeerNotJustItsServerPackage() {
        assertTrue(LoadedClasses.parse(JCMD).runsZooKeeperPeer());
        // a client loads ZooKeeperThread, of the server package, for its own threads
        assertFalse(LoadedClasses.parse(JCMD.stream().filter(l -> !l.contains("QuorumPeer")).toList()).runsZooKeeperPeer());
    }
}
