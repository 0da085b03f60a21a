package dev.pgmanager.store.zookeeper;

import dev.pgmanager.realtime.RealTimeThreads;
import java.net.InetSocketAddress;
import java.util.Collection;
import org.apache.curator.utils.ZookeeperFactory;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ConnectStringParser;
import org.apache.zookeeper.client.HostProvider;
import org.apache.zookeeper.client.StaticHostProvider;
import org.apache.zookeeper.client.ZKClientConfig;

/**
 * Makes Curator's ZooKeeper clients as Curator does, with their two threads at real-time priority
 * ({@link RealTimeThreads}): the I/O thread, which sends the pings and requests that keep the session (and so the lease)
 * alive, and the event thread, which hands their answers on. ZooKeeper starts both inside its constructor and exposes
 * neither, so each raises itself on its first call into code of ours: the I/O thread when it asks the host provider for a
 * server to connect to, the event thread when it delivers the first event to the default watcher (the connection's).
 */
final class RealTimeZooKeeperFactory implements ZookeeperFactory {
    @Override
    public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly) throws Exception {
        return newZooKeeper(connectString, sessionTimeout, watcher, canBeReadOnly, new ZKClientConfig());
    }

    @Override
    public ZooKeeper newZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly,
            ZKClientConfig config) throws Exception {
        // As ZooKeeper's own constructor does: names are kept unresolved and looked up at each connection
        HostProvider servers = new RaisingHostProvider(new StaticHostProvider(new ConnectStringParser(connectString).getServerAddresses()));
        Watcher raising = event -> {
            RealTimeThreads.raiseCurrentThread();
            watcher.process(event);
        };
        return new ZooKeeper(connectString, sessionTimeout, raising, canBeReadOnly, servers, config);
    }

    /** A host provider whose caller, ZooKeeper's I/O thread, raises itself before it connects. */
    private record RaisingHostProvider(HostProvider servers) implements HostProvider {
        @Override
        public int size() {
            return servers.size();
        }

        @Override
        public InetSocketAddress next(long spinDelay) {
            RealTimeThreads.raiseCurrentThread();
            return servers.next(spinDelay);
        }

        @Override
        public void onConnected() {
            servers.onConnected();
        }

        @Override
        public boolean updateServerList(Collection<InetSocketAddress> serverAddresses, InetSocketAddress currentHost) {
            return servers.updateServerList(serverAddresses, currentHost);
        }
    }
}
