package dev.pgmanager.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgmanager.store.testing.Prerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Root runs PostgreSQL as another user, found in the system's user database as {@code id} finds it. */
class OsUserTest {
    @BeforeEach
    void asRoot() {
        Prerequisites.require(Prerequisites.root(), "root (the sidecar switches to the postgres OS user only from root)");
    }

    @Test
    void theUsersIdsAndHomeAreThoseOfTheUserDatabase() throws Exception {
        OsUser postgres = OsUser.named("postgres");

        assertEquals(List.of("setpriv", "--reuid=" + run("id", "-u", "postgres"), "--regid=" + run("id", "-g", "postgres"), "--init-groups",
                "--", "true"), postgres.wrap(List.of("true")));
        Map<String, String> environment = new HashMap<>(Map.of("HOME", "/root", "PGPASSWORD", "x"));
        postgres.prepareEnvironment(environment);
        assertEquals(Map.of("HOME", run("sh", "-c", "getent passwd postgres | cut -d: -f6"), "USER", "postgres", "LOGNAME", "postgres"),
                environment);
    }

    @Test
    void aUserIdNamesItsUserAsForId() throws Exception {
        String uid = run("id", "-u", "postgres");
        assertEquals(OsUser.named("postgres").wrap(List.of("true")), OsUser.named(uid).wrap(List.of("true")));
    }

    @Test
    void aUserThatDoesNotExistIsNamed() {
        PostgresException e = assertThrows(PostgresException.class, () -> OsUser.named("no-such-user-pgm"));
        assertTrue(e.getMessage().contains("OS user 'no-such-user-pgm' to run PostgreSQL as does not exist"), e.getMessage());
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
        return output;
    }
}
