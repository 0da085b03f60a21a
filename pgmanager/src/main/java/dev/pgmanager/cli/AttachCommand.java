package dev.pgmanager.cli;

import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.net.HostPort;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.DatabaseAttachment;
import dev.pgmanager.postgres.DatabaseAttachment.Attached;
import dev.pgmanager.store.Member;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgmanager attach}: a role and a database for one application, and the URL it connects with. */
@Command(
        name = "attach",
        mixinStandardHelpOptions = true,
        description = {
            "Gives an application a role and a database of its own on the primary, and prints its DATABASE_URL.",
            "Creates role U (LOGIN, a random 32-character password stored as a SCRAM-SHA-256 verifier computed here, so "
                    + "the password never reaches the server) and database D owned by it. When D exists (a forked "
                    + "cluster holds the application's data), U gets every privilege on it, on its public schema and on "
                    + "the tables and sequences there instead. Refuses when U exists, unless --force, which resets U's "
                    + "password. Never touches the superuser or a replication role.",
            "Prints DATABASE_URL=postgres://U:PASSWORD@HOST:PORT,.../D?target_session_attrs=read-write. The hosts are, in "
                    + "this order: --host (env PGMANAGER_ATTACH_HOSTS), e.g. my-db.flycast:5432 on Fly; else each member's "
                    + "DNS name from --name-pattern (env PGMANAGER_DNS_NAME_PATTERN, the sidecars' dns.name_pattern; default "
                    + DnsSettings.FLY_NAME_PATTERN + ") with its PostgreSQL port; for a local cluster, whose names resolve "
                    + "only through its own DNS server, each member's address now.",
            "The superuser's password comes from a local cluster's file, or from " + PrimaryDatabase.PASSWORD_SETTINGS
                    + " (PGMANAGER_SUPERUSER names the superuser, default postgres).",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:attached; the URL is printed",
            "1:refused (the role exists), no leader, or PostgreSQL failed (the message says why)",
            "2:invalid command line or names, no cluster named, or no superuser password",
        })
final class AttachCommand implements Callable<Integer> {
    @Mixin
    ApplicationRole role;

    @Option(names = "--database-name", required = true, paramLabel = "D", description = "The application's database.")
    String database;

    @Option(names = "--superuser", description = "Make U a superuser (for tools that need it; an application rarely does).")
    boolean superuser;

    @Option(names = "--force", description = "When U exists, reset its password instead of refusing.")
    boolean force;

    @Option(names = "--host", paramLabel = "HOST[:PORT]", split = ",",
            description = "The host(s) to print in the URL, e.g. my-db.flycast:5432 (env PGMANAGER_ATTACH_HOSTS). Without a "
                    + "port, the members' PostgreSQL port.")
    List<String> hosts;

    @Option(names = "--name-pattern", paramLabel = "PATTERN",
            description = "A member's DNS name, with {machine_id} and {app} (env PGMANAGER_DNS_NAME_PATTERN; default "
                    + DnsSettings.FLY_NAME_PATTERN + ").")
    String namePattern;

    @Option(names = {"-o", "--output"}, defaultValue = "env", paramLabel = "FORMAT",
            description = "env (DATABASE_URL=...) or json (default: ${DEFAULT-VALUE}).")
    Format output;

    @Spec
    CommandSpec spec;

    enum Format { env, json }

    @Override
    public Integer call() throws Exception {
        DatabaseAttachment.requireApplicationNames(database, role.user);
        PrimaryDatabase primary = PrimaryDatabase.of(role.cluster);
        List<String> urlHosts = urlHosts(primary);
        Attached attached = new DatabaseAttachment(primary::open).attach(database, role.user, superuser, force);
        String url = "postgres://" + role.user + ":" + attached.password() + "@" + String.join(",", urlHosts) + "/" + database
                + "?target_session_attrs=read-write";
        PrintWriter out = spec.commandLine().getOut();
        if (output == Format.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("database_url", url);
            json.put("database_name", database);
            json.put("database_user", role.user);
            json.put("password", attached.password());
            json.put("hosts", urlHosts);
            json.put("superuser", superuser);
            json.put("created_role", attached.createdRole());
            json.put("created_database", attached.createdDatabase());
            out.println(Json.pretty(json));
        } else {
            out.println("DATABASE_URL=" + url);
        }
        out.flush();
        spec.commandLine().getErr().println((attached.createdRole() ? "created role " : "reset the password of role ") + role.user
                + (attached.createdDatabase() ? " and database " + database + " owned by it" : "; granted it database " + database));
        return 0;
    }

    /** host:port entries for the URL, decided before anything changes, so a failure leaves nothing half-done. */
    private List<String> urlHosts(PrimaryDatabase primary) {
        List<Member> members = List.copyOf(primary.cluster().members().values());
        int port = primary.cluster().leader().flatMap(l -> primary.cluster().member(l.machineId()))
                .map(Member::databasePort).orElse(5433);
        List<String> given = hosts != null ? hosts
                : ClusterTarget.environment("PGMANAGER_ATTACH_HOSTS").map(v -> Arrays.stream(v.split(",")).map(String::strip).toList())
                        .orElse(null);
        if (given != null) return given.stream().map(h -> withPort(h, port)).toList();
        String pattern = namePattern != null ? namePattern : ClusterTarget.environment("PGMANAGER_DNS_NAME_PATTERN").orElse(null);
        if (pattern == null && role.cluster.localCluster().isPresent()) {
            return members.stream().map(m -> PrimaryDatabase.memberAddress(role.cluster.addresses(), m)).toList();
        }
        String app = role.cluster.target().cluster();
        DnsSettings names = new DnsSettings(List.of(), pattern != null ? pattern : DnsSettings.FLY_NAME_PATTERN, app,
                java.time.Duration.ofSeconds(1), java.time.Duration.ZERO, java.time.Duration.ZERO, true);
        return members.stream().map(m -> names.hostnameOf(MachineId.of(m.machineId())) + ":" + m.databasePort()).toList();
    }

    /** A host without a port gets {@code port}: {@code db.internal}, {@code fdaa::3} or {@code [fdaa::3]} alike. */
    private static String withPort(String host, int port) {
        if (host.isBlank()) throw new IllegalArgumentException("--host must not be empty");
        return HostPort.problemWith(host).isEmpty() ? host : new HostPort(host, port).toString();
    }
}
