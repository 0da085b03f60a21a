package dev.pgmanager.cli;

import dev.pgmanager.postgres.DatabaseAttachment;
import dev.pgmanager.postgres.DatabaseAttachment.Detached;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pgmanager detach}: takes an application's role away and keeps its data. */
@Command(
        name = "detach",
        mixinStandardHelpOptions = true,
        description = {
            "Drops an application's role on the primary and keeps its data.",
            "In order: the role may no longer log in; its sessions are ended; in every database, everything it owns (the "
                    + "database itself, tables, sequences, views...) is given to the superuser (REASSIGN OWNED) and its "
                    + "remaining privileges are revoked (DROP OWNED, which then owns nothing to drop); the role is "
                    + "dropped. The data stays, owned by the superuser: attach another role to the database to use it "
                    + "again. Never touches the superuser or a replication role.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the role is dropped, its data kept",
            "1:no such role, no leader, or PostgreSQL failed (the message says why)",
            "2:invalid command line or name, no cluster named, or no superuser password",
        })
final class DetachCommand implements Callable<Integer> {
    @Mixin
    ApplicationRole role;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        DatabaseAttachment.requireApplicationUser(role.user);
        PrimaryDatabase primary = PrimaryDatabase.of(role.cluster);
        Detached detached = new DatabaseAttachment(primary::open).detach(role.user);
        spec.commandLine().getOut().println("dropped role " + role.user + "; what it owned now belongs to " + primary.superuser()
                + (detached.ownedDatabases().isEmpty() ? "" : " (databases " + String.join(", ", detached.ownedDatabases()) + ")")
                + " and its data is kept");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
