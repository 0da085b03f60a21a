package dev.pgmanager.store.zookeeper;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A ZooKeeper ensemble's peers in ZooKeeper's own dynamic-configuration form, one line per peer:
 * {@code server.<id>=<host>:<quorum port>:<election port>:participant;<client port>}. Hosts are names (a member's
 * machine-ID name), never addresses. This is what the servers keep at {@code /zookeeper/config}, and what a peer
 * keeps on its volume to start from.
 */
public record EnsembleConfig(List<Server> servers) {
    private static final Pattern SERVER_LINE = Pattern.compile(
            "server\\.(\\d+)=([^:;\\[\\]]+):(\\d+):(\\d+)(?::(participant|observer))?;(?:[^;]*:)?(\\d+)");

    public EnsembleConfig {
        servers = servers.stream().sorted(Comparator.comparingLong(Server::id)).toList();
    }

    /** One peer. */
    public record Server(long id, String host, int quorumPort, int electionPort, int clientPort) {
        /**
         * The client address is the peer's name too: without a host ZooKeeper takes the wildcard, and a reconfiguration
         * that changes a peer's client address makes it bind its client port anew.
         */
        public String format() {
            return "server." + id + "=" + host + ":" + quorumPort + ":" + electionPort + ":participant;" + host + ":" + clientPort;
        }

        public EmbeddedZooKeeper.PeerSpec toPeerSpec() {
            return new EmbeddedZooKeeper.PeerSpec(id, host, clientPort, quorumPort, electionPort);
        }
    }

    /**
     * Reads the {@code server.N=} lines (other lines, such as {@code version=}, are skipped).
     *
     * @throws IllegalArgumentException naming the first line that is not a peer in the expected form
     */
    public static EnsembleConfig parse(String text) {
        List<Server> servers = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (!line.startsWith("server.")) continue;
            Matcher m = SERVER_LINE.matcher(line);
            if (!m.matches()) throw new IllegalArgumentException("not a ZooKeeper peer line: " + line);
            if ("observer".equals(m.group(5))) continue;
            servers.add(new Server(Long.parseLong(m.group(1)), m.group(2), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(6))));
        }
        return new EnsembleConfig(servers);
    }

    public String format() {
        return servers.stream().map(Server::format).collect(Collectors.joining("\n", "", "\n"));
    }

    public Optional<Server> server(long id) {
        return servers.stream().filter(s -> s.id() == id).findFirst();
    }

    public Optional<Server> serverAt(String host) {
        return servers.stream().filter(s -> s.host().equalsIgnoreCase(host)).findFirst();
    }

    /** The client connect string, by name: {@code host:port,host:port}. */
    public String connectString() {
        return servers.stream().map(s -> s.host() + ":" + s.clientPort()).collect(Collectors.joining(","));
    }

    /** How many peers make a majority. */
    public int quorum() {
        return servers.size() / 2 + 1;
    }

    public boolean isEmpty() {
        return servers.isEmpty();
    }

    public List<EmbeddedZooKeeper.PeerSpec> peerSpecs() {
        return servers.stream().map(Server::toPeerSpec).toList();
    }
}
