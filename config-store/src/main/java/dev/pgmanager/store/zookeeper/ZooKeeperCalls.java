package dev.pgmanager.store.zookeeper;

import dev.pgmanager.store.StoreException;
import dev.pgmanager.store.StoreUnavailableException;
import org.apache.zookeeper.KeeperException;

/** Runs Curator calls and turns their checked exceptions into {@link StoreException}s that say what failed and where. */
final class ZooKeeperCalls {
    private ZooKeeperCalls() {}

    @FunctionalInterface
    interface Call<T> {
        T run() throws Exception;
    }

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** Runs {@code call}; {@code what} completes "could not ..." in the error message, e.g. "read /pgmanager/a/spec". */
    static <T> T call(String what, Call<T> call) {
        try {
            return call.run();
        } catch (Exception e) {
            throw translate(what, e);
        }
    }

    static StoreException translate(String what, Exception e) {
        return switch (e) {
            case StoreException already -> already;
            case InterruptedException interrupted -> {
                Thread.currentThread().interrupt();
                yield new StoreUnavailableException("interrupted while trying to " + what, interrupted);
            }
            case KeeperException keeper when isConnectionTrouble(keeper) ->
                    new StoreUnavailableException("could not " + what + ": ZooKeeper is unreachable (" + keeper.code() + ")", keeper);
            case KeeperException.NoAuthException noAuth -> new StoreException("could not " + what + ": ZooKeeper refused access "
                    + "(NoAuth): the cluster's znodes carry a digest ACL and this client's store secret is missing or another "
                    + "(set PGMANAGER_STORE_AUTH, or the superuser password it is derived from by default: see the README)", noAuth);
            default -> new StoreException("could not " + what + ": " + e, e);
        };
    }

    static boolean isConnectionTrouble(KeeperException e) {
        return switch (e.code()) {
            case CONNECTIONLOSS, SESSIONEXPIRED, SESSIONMOVED, OPERATIONTIMEOUT, REQUESTTIMEOUT -> true;
            default -> false;
        };
    }
}
