package dev.pgmanager.store.zookeeper;

import dev.pgmanager.store.StoreUnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/**
 * Changes an ensemble's peers by ZooKeeper's dynamic reconfiguration, as its administrator (ZooKeeper lets only
 * its super user reconfigure). ZooKeeper commits a change only when a quorum of the new peers is in sync with the
 * leader, and otherwise changes nothing.
 */
public final class EnsembleReconfiguration {
    private EnsembleReconfiguration() {}

    /**
     * Adds {@code joining} (whose server must already run and follow the leader) and removes {@code leavingId}, in
     * one step.
     *
     * @return the ensemble's peers after the change
     * @throws StoreUnavailableException when the ensemble cannot be reached
     * @throws IllegalStateException     when ZooKeeper refuses the change (its reason in the message)
     */
    public static EnsembleConfig replace(String connectString, String adminUser, String adminSecret, EnsembleConfig.Server joining,
                                         long leavingId, Duration patience) {
        try (CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .retryPolicy(new RetryOneTime(500))
                .ensembleTracker(false)
                .authorization("digest", (adminUser + ":" + adminSecret).getBytes(StandardCharsets.UTF_8))
                .build()) {
            client.start();
            if (!client.blockUntilConnected(Math.toIntExact(patience.toMillis()), TimeUnit.MILLISECONDS)) {
                throw new StoreUnavailableException("could not reach the ensemble at " + connectString + " within "
                        + patience.toSeconds() + " s", null);
            }
            byte[] config = client.reconfig()
                    .joining(List.of(joining.format()))
                    .leaving(List.of(String.valueOf(leavingId)))
                    .forEnsemble();
            return EnsembleConfig.parse(new String(config, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reconfiguring the ensemble", e);
        } catch (StoreUnavailableException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("ZooKeeper refused the reconfiguration: " + e.getMessage(), e);
        }
    }
}
