package dev.pgmanager.api;

import dev.pgmanager.postgres.ClusterParameters;
import dev.pgmanager.postgres.DatabaseAttachment;
import dev.pgmanager.postgres.UsersAndDatabases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What flyctl expects of a Fly Postgres machine on port 5500: the machine checks {@code /flycheck/pg},
 * {@code /flycheck/role} and {@code /flycheck/vm}, and the {@code /commands} API behind {@code fly pg users}, {@code db},
 * {@code attach}, {@code detach}, {@code config}, {@code failover} and {@code restart}. Served with the same limits as
 * the sidecar's own API.
 */
public final class FlyApi {
    private FlyApi() {}

    /**
     * What the flyctl API works with.
     *
     * @param connector a superuser connection to this member's PostgreSQL
     * @param reservedRoles roles nobody may create or drop through it
     * @param adminFrom who may make changing calls: {@code peers}, {@code network} or {@code local} ({@link FlyAdmission})
     * @param privateNetwork the networks of the private network ({@code postgres.allowed_networks})
     * @param organizationMachines the addresses of the organization's machines, when they can be listed now
     */
    public record Setup(DatabaseAttachment.Connector connector, Set<String> reservedRoles, Path dataDirectory, String adminFrom,
            List<String> privateNetwork, Supplier<Optional<Set<InetAddress>>> organizationMachines) {}

    /** @throws java.io.UncheckedIOException when {@code listen} cannot be bound */
    public static HttpApi start(InetSocketAddress listen, SidecarView view, OperatorCommands operator, ClusterParameters parameters,
            Setup setup, Clock clock) {
        FlyChecks checks = new FlyChecks(view, clock, setup.connector(), setup.dataDirectory());
        FlyAdmission admission = new FlyAdmission(FlyAdmission.Mode.parse(setup.adminFrom()), setup.privateNetwork(),
                setup.organizationMachines());
        FlyCommands commands = new FlyCommands(view, clock, new UsersAndDatabases(setup.connector(), setup.reservedRoles()),
                setup.connector(), parameters, operator, admission);
        ApiRouter router = new ApiRouter()
                .get("/flycheck/pg", checks::pg)
                .get("/flycheck/role", checks::role)
                .get("/flycheck/vm", checks::vm)
                .get("/commands/users/list", commands::listUsers)
                .getNamed("/commands/users/", commands::getUser)
                .post("/commands/users/create", commands::createUser)
                .deleteNamed("/commands/users/delete/", commands::deleteUser)
                .get("/commands/databases/list", commands::listDatabases)
                .getNamed("/commands/databases/", commands::getDatabase)
                .post("/commands/databases/create", commands::createDatabase)
                .get("/commands/admin/role", commands::role)
                .get("/commands/admin/failover/trigger", commands::failover)
                .get("/commands/admin/settings/view", commands::viewSettings)
                .get("/commands/admin/settings/view/postgres", commands::viewSettings)
                .post("/commands/admin/settings/update/postgres", commands::updateSettings)
                .post("/commands/admin/settings/apply", commands::applySettings);
        return HttpApi.serve(listen, router, "the flyctl API");
    }
}
