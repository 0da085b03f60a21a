package dev.pgmanager.logging;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {
    @Test
    void plainLinesOnStderrWithTheLibrariesKeptToWarnings() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, UTF_8));
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // as SLF4J's provider gives the real one
        try {
            assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, new LogConfigurator(false).configure(context));
            context.getLogger("dev.pgmanager.sidecar.Sidecar").info("member started");
            context.getLogger("dev.pgmanager.sidecar.Sidecar").debug("detail nobody asked for");
            context.getLogger("org.apache.zookeeper.ZooKeeper").info("zookeeper chatter");
            context.getLogger("org.apache.zookeeper.ZooKeeper").warn("zookeeper trouble");
            context.getLogger("org.apache.zookeeper.ClientCnxn").warn("server unreachable, attempt 7");
            context.getLogger("org.apache.zookeeper.ClientCnxn").error("client broken");
        } finally {
            context.stop();
            System.setErr(original);
        }
        String lines = captured.toString(UTF_8);
        assertTrue(lines.matches("(?s)\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* INFO  Sidecar: member started\\R.*"), lines);
        assertTrue(lines.contains("WARN  ZooKeeper: zookeeper trouble"), lines);
        assertFalse(lines.contains("detail nobody asked for"), lines);
        assertFalse(lines.contains("zookeeper chatter"), lines);
        // a command says once that the store is unreachable; the client's every attempt is not for its terminal
        assertFalse(lines.contains("attempt 7"), lines);
        assertTrue(lines.contains("ERROR ClientCnxn: client broken"), lines);
    }

    @Test
    void aTestConfigurationOnTheClassPathWins() {
        assertEquals(ExecutionStatus.INVOKE_NEXT_IF_ANY, new LogConfigurator().configure(new LoggerContext()),
                "this module's tests have a logback-test.xml");
    }
}
