package dev.pgmanager.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Prerequisites;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rewriter attached to a test cgroup, with Python clients inside and outside it and servers on loopback
 * addresses. Needs root and eBPF support ({@link Prerequisites}: skipped without them, failed in CI).
 */
class StaleAddressRewriterTest {
    private static final String CONNECTION_REFUSED = "error 111";

    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();
    private TestAddresses addresses;
    private TestCgroup cgroup;
    private RewriterSettings settings;
    private StaleAddressRewriter rewriter;
    private LoopbackServers servers;

    @BeforeEach
    void attachToTestCgroup() throws Exception {
        Prerequisites.require(Prerequisites.root(), "root (the eBPF rewriter tests attach to a cgroup and add addresses to lo)");
        addresses = new TestAddresses();
        cleanup.push(addresses);
        cgroup = new TestCgroup();
        cleanup.push(cgroup);
        Path pinRoot = Path.of("/sys/fs/bpf/pgmanager-test-" + UUID.randomUUID().toString().substring(0, 8));
        settings = new RewriterSettings(pinRoot, java.util.Optional.of(cgroup.path));
        cleanup.push(() -> PinnedObjects.remove(Libbpf.load(), new PinLayout(pinRoot)));
        RewriterStatus status = StaleAddressRewriter.open(settings);
        Prerequisites.require(status instanceof RewriterStatus.Running, () -> "eBPF support (the rewriter did not attach: " + status + ")");
        rewriter = ((RewriterStatus.Running) status).rewriter();
        cleanup.push(rewriter);
        servers = new LoopbackServers(addresses.currentAddress);
        cleanup.push(servers);
    }

    @AfterEach
    void cleanUp() throws Exception {
        Exception first = null;
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Test
    void tcpToTheOldAddressReachesTheCurrentOneInsideTheCgroupOnly() throws Exception {
        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);

        Helper.Result inside = tcpInside(addresses.oldAddress);
        Helper.Result outside = Helper.runOutside(Helper.TCP_CLIENT, addresses.oldAddress.getHostAddress(), port());

        assertEquals(new Helper.Result(inside.pid(), 0, "hello from " + addresses.currentAddress.getHostAddress()), inside);
        assertEquals(CONNECTION_REFUSED, outside.output(), "a process outside the cgroup is not rewritten");
        assertEquals(List.of(new RewriteEntry(addresses.oldAddress, addresses.currentAddress, 1)), rewriter.entries());
        assertEquals(List.of(new RewriteEvent((int) inside.pid(), Helper.COMMAND, addresses.oldAddress,
                addresses.currentAddress, servers.port(), "tcp", "connect")), events());
        assertEquals(1, rewriter.entries().getFirst().hits(), "reading the events does not count");
    }

    @Test
    void udpRepliesSeemToComeFromTheOldAddress() throws Exception {
        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);

        Helper.Result inside = Helper.runInside(cgroup, Helper.UDP_CLIENT, addresses.oldAddress.getHostAddress(), port());

        assertEquals(0, inside.exitCode(), inside.output());
        String[] sourceAndReply = inside.output().split(" ");
        assertEquals(addresses.oldAddress, InetAddress.getByName(sourceAndReply[0]), "the reply's source as the client sees it");
        assertEquals("pong", sourceAndReply[1]);
        assertEquals(List.of(new RewriteEvent((int) inside.pid(), Helper.COMMAND, addresses.oldAddress,
                addresses.currentAddress, servers.port(), "udp", "sendmsg")), events());
        assertEquals(1, rewriter.entries().getFirst().hits());
    }

    @Test
    void aClientDialingTheCurrentAddressSeesRepliesFromIt() throws Exception {
        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);

        Helper.Result inside = Helper.runInside(cgroup, Helper.UDP_CLIENT, addresses.currentAddress.getHostAddress(), port());

        assertEquals(0, inside.exitCode(), inside.output());
        assertEquals(addresses.currentAddress, InetAddress.getByName(inside.output().split(" ")[0]),
                "only sockets that were redirected get their replies translated");
        assertEquals(0, rewriter.pollEvents(event -> {}));
    }

    @Test
    void afterRemoveTheOldAddressFailsAgain() throws Exception {
        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);
        assertEquals(0, tcpInside(addresses.oldAddress).exitCode());

        assertTrue(rewriter.remove(addresses.oldAddress));

        assertEquals(CONNECTION_REFUSED, tcpInside(addresses.oldAddress).output());
        assertEquals(List.of(), rewriter.entries());
        assertFalse(rewriter.remove(addresses.oldAddress), "nothing left to remove");
    }

    @Test
    void detachLeavesNothingPinnedOrAttached() throws Exception {
        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);

        rewriter.detach();

        assertFalse(Files.exists(settings.pinRoot()), "the pin directory is removed");
        assertEquals(0, programsAttachedTo(cgroup.path));
        assertEquals(CONNECTION_REFUSED, tcpInside(addresses.oldAddress).output());
        assertInstanceOf(RewriterStatus.Off.class, StaleAddressRewriter.openPinned(settings));
    }

    @Test
    void aLoaderRestartReusesThePinsWithoutInterruptingRewriting() throws Exception {
        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);
        assertEquals(6, programsAttachedTo(cgroup.path));
        Process connecting = Helper.startInside(cgroup, Helper.TCP_LOOP, addresses.oldAddress.getHostAddress(), port(), "300");

        for (int restart = 0; restart < 5; restart++) {
            rewriter.close();
            Thread.sleep(50);
            RewriterStatus reopened = StaleAddressRewriter.open(settings);
            rewriter = assertInstanceOf(RewriterStatus.Running.class, reopened).rewriter();
            cleanup.push(rewriter);
        }
        Helper.Result result = Helper.finish(connecting);

        assertEquals(new Helper.Result(result.pid(), 0, "0"), result, "connects that failed during the restarts");
        assertEquals(6, programsAttachedTo(cgroup.path), "the pinned programs were reused, not attached again");
        RewriteEntry entry = rewriter.entries().getFirst();
        assertEquals(300, entry.hits(), "the map (and its counts) survived the restarts");
        assertEquals(300, events().size(), "events wait in the pinned ring while no loader reads them");
    }

    @Test
    void ipv4AddressesAreRewrittenToo() throws Exception {
        int b = ThreadLocalRandom.current().nextInt(1, 255);
        int c = ThreadLocalRandom.current().nextInt(1, 255);
        InetAddress old4 = InetAddress.getByName("127." + b + "." + c + ".20");
        InetAddress current4 = InetAddress.getByName("127." + b + "." + c + ".10");
        try (LoopbackServers servers4 = new LoopbackServers(current4)) {
            rewriter.rewrite(old4, current4);

            Helper.Result tcp = Helper.runInside(cgroup, Helper.TCP_CLIENT, old4.getHostAddress(),
                    String.valueOf(servers4.port()));
            Helper.Result udp = Helper.runInside(cgroup, Helper.UDP_CLIENT, old4.getHostAddress(),
                    String.valueOf(servers4.port()));

            assertEquals("hello from " + current4.getHostAddress(), tcp.output());
            assertEquals(old4.getHostAddress() + " pong", udp.output());
            assertEquals(List.of(new RewriteEntry(old4, current4, 2)), rewriter.entries());
        }
    }

    @Test
    void rewritingAcrossFamiliesOrToItselfIsRefused() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> rewriter.rewrite(InetAddress.getByName("127.0.0.9"), addresses.currentAddress));
        assertThrows(IllegalArgumentException.class,
                () -> rewriter.rewrite(addresses.currentAddress, addresses.currentAddress));
    }

    @Test
    void repeatingAnEntryKeepsItsHits() throws Exception {
        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);
        tcpInside(addresses.oldAddress);

        rewriter.rewrite(addresses.oldAddress, addresses.currentAddress);

        assertEquals(1, rewriter.entries().getFirst().hits());
    }

    @Test
    void pinsOfAnotherCgroupAreNotTakenOver() {
        RewriterStatus other = StaleAddressRewriter.open(new RewriterSettings(settings.pinRoot(), java.util.Optional.empty()));

        String reason = assertInstanceOf(RewriterStatus.Off.class, other).reason();
        assertTrue(reason.contains("is attached to " + cgroup.path) && reason.contains("detach it first"), reason);
    }

    @Test
    void attachmentNamesTheCgroupAndHooks() {
        RewriterAttachment attachment = rewriter.attachment();

        assertEquals(java.util.Optional.of(cgroup.path), attachment.cgroup());
        assertEquals(List.of("connect6", "sendmsg6", "recvmsg6", "connect4", "sendmsg4", "recvmsg4"), attachment.hooks());
    }

    private Helper.Result tcpInside(InetAddress address) throws Exception {
        return Helper.runInside(cgroup, Helper.TCP_CLIENT, address.getHostAddress(), port());
    }

    private String port() {
        return String.valueOf(servers.port());
    }

    private List<RewriteEvent> events() {
        List<RewriteEvent> events = new ArrayList<>();
        rewriter.pollEvents(events::add);
        return events;
    }

    private static int programsAttachedTo(Path cgroup) throws Exception {
        Libbpf libbpf = Libbpf.load();
        int fd = Libc.openDirectory(cgroup.toString());
        try {
            int count = 0;
            for (Hook hook : Hook.values()) {
                count += libbpf.attachedPrograms(fd, hook.attachType());
            }
            return count;
        } finally {
            Libc.close(fd);
        }
    }
}
