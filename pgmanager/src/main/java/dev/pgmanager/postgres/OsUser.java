package dev.pgmanager.postgres;

import com.sun.security.auth.module.UnixSystem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The unprivileged OS account that owns the data directory and runs PostgreSQL. PostgreSQL refuses to
 * run as root, and pgmanager (a container entrypoint) usually is root; so when we are root every
 * PostgreSQL binary is started through {@code setpriv} as this user and every directory it needs is
 * handed to it. When we are not root, binaries run as ourselves and ownership is left alone.
 */
public final class OsUser {
    private final String name;
    private final int uid;
    private final int gid;
    private final boolean switchFromRoot;
    /** This user's home directory; only used when switching from root. */
    private final String home;

    private OsUser(String name, int uid, int gid, String home, boolean switchFromRoot) {
        this.name = name;
        this.home = home;
        this.uid = uid;
        this.gid = gid;
        this.switchFromRoot = switchFromRoot;
    }

    /** The account {@code name} (usually "postgres"), resolved through the system's user database. */
    public static OsUser named(String name) {
        UnixSystem self = new UnixSystem();
        if (self.getUid() != 0) {
            return new OsUser(System.getProperty("user.name"), (int) self.getUid(), (int) self.getGid(), System.getProperty("user.home"),
                    false);
        }
        String[] entry = passwdEntry(name);
        return new OsUser(name, Integer.parseInt(entry[2]), Integer.parseInt(entry[3]), entry[5].isEmpty() ? "/" : entry[5], true);
    }

    public String name() {
        return name;
    }

    /**
     * When we are root, and PostgreSQL is to run as another user below {@code dir}: fails unless every directory above
     * it lets others pass, naming the one that does not; {@code otherwise} says what else the operator can do.
     */
    public static void requireReachableByPostgres(Path dir, String otherwise) {
        if (new UnixSystem().getUid() != 0) return;
        for (Path p = dir.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            try {
                if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new IllegalArgumentException("the postgres OS user cannot reach " + dir + ": " + p
                            + " is not traversable by others (chmod o+x " + p + ", or " + otherwise + ")");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The command line that runs {@code command} as this user. */
    List<String> wrap(List<String> command) {
        if (!switchFromRoot) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(
                "setpriv", "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * The command line that runs {@code command} as this user and ends it with SIGQUIT (PostgreSQL's immediate
     * shutdown) the moment the thread that started it, and so the sidecar, dies. setpriv sets the death signal
     * after switching users, because a change of user clears it.
     */
    List<String> wrapTiedToParent(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("setpriv"));
        if (switchFromRoot) {
            wrapped.addAll(List.of("--reuid=" + uid, "--regid=" + gid, "--init-groups"));
        }
        wrapped.addAll(List.of("--pdeathsig", "QUIT", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * Gives a process started as this user this user's own home, user name and no inherited PG* settings. Root's home
     * stays unreadable to it: libpq looking there for a client certificate fails, and a client preferring TLS (a
     * replica's WAL receiver, pg_basebackup) would quietly fall back to an unencrypted connection.
     */
    void prepareEnvironment(Map<String, String> environment) {
        environment.keySet().removeIf(variable -> variable.startsWith("PG"));
        if (!switchFromRoot) return;
        environment.put("HOME", home);
        environment.put("USER", name);
        environment.put("LOGNAME", name);
    }

    /** Creates {@code dir} (and missing parents) if needed, owned by this user with mode 0700. */
    public void createPrivateDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            giveAway(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare directory " + dir + " for OS user " + name, e);
        }
    }

    /** Writes a file only this user can read (passwords, passfiles). */
    public void writePrivateFile(Path file, String content) {
        try {
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            giveAway(temp);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + " for OS user " + name, e);
        }
    }

    /** Makes this user the owner of {@code path}, if we have the right to (we are root). */
    public void giveAway(Path path) throws IOException {
        if (switchFromRoot) {
            Files.setAttribute(path, "unix:uid", uid);
            Files.setAttribute(path, "unix:gid", gid);
        }
    }

    /**
     * The user's entry in the system's user database ({@code name:password:uid:gid:gecos:home:shell}), through the name
     * service as {@code id} reads it (files, LDAP...): one process where {@code id -u}, {@code id -g} and the home
     * directory's lookup took three, at every start of the sidecar.
     */
    private static String[] passwdEntry(String user) {
        try {
            Process process = new ProcessBuilder("getent", "passwd", "--", user).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new PostgresException("timed out looking up OS user '" + user + "'");
            }
            // the entry the database resolves the name to, as id's: a number is a user ID, and some databases ignore case
            String[] fields = output.lines().findFirst().orElse("").split(":", -1);
            if (process.exitValue() != 0 || fields.length < 7) {
                throw new PostgresException("OS user '" + user + "' to run PostgreSQL as does not exist");
            }
            if (!fields[2].matches("\\d+") || !fields[3].matches("\\d+")) {
                throw new PostgresException("cannot read the user and group IDs of OS user '" + user + "' from: " + output);
            }
            return fields;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look up OS user '" + user + "'", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted looking up OS user '" + user + "'", e);
        }
    }

    @Override
    public String toString() {
        return name + " (uid " + uid + ")";
    }
}
