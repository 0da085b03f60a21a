package dev.pgmanager.cli;

import picocli.CommandLine.Option;

/** {@code --store} and {@code --dns-server}: how a command reaches a cluster's store and finds its members. */
final class StoreOptions {
    @Option(names = "--store", paramLabel = "CONNECT",
            description = "ZooKeeper connect string host:port[,host:port...] (env PGMANAGER_STORE).")
    String store;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT",
            description = "DNS server(s) that resolve members, address:port[,address:port...] (env PGMANAGER_DNS_SERVERS). "
                    + "Default: a local cluster's own DNS server, otherwise the system resolver.")
    String dnsServers;

    static StoreOptions of(String store, String dnsServers) {
        StoreOptions options = new StoreOptions();
        options.store = store;
        options.dnsServers = dnsServers;
        return options;
    }
}
