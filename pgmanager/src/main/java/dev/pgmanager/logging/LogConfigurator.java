package dev.pgmanager.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;
import org.slf4j.Logger;

/**
 * Logback's configuration, in code rather than a logback.xml: reading XML costs a sidecar some 600 classes (logback's
 * configuration model and the JDK's XML parser), megabytes of metaspace and a few hundred milliseconds of every start.
 * Plain lines on stderr; ZooKeeper's, Curator's, Hikari's and Jetty's own chatter kept to warnings (the store client's
 * connection attempts to errors); the root level from
 * {@code PGMANAGER_LOG_LEVEL} (INFO unless set). {@link LogOutput} switches a sidecar to its member format later.
 *
 * <p>A logback-test.xml on the class path (the tests') still wins: this then leaves the configuration to logback.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n";
    /** Libraries whose INFO lines say nothing an operator needs ({@code org.gaul}: the local platform's S3 server). */
    private static final List<String> QUIET = List.of("org.apache.zookeeper", "org.apache.curator", "com.zaxxer.hikari",
            "org.eclipse.jetty", "org.gaul");

    /**
     * ZooKeeper's client warns, with a stack trace, at every failed attempt to reach a server: several a second while a
     * store is unreachable or an ensemble forms. A command reports an unreachable store once, in its own words, so its
     * terminal gets only the client's errors (unless {@code PGMANAGER_LOG_LEVEL} asks for DEBUG); the sidecar's log keeps
     * the warnings ({@link LogOutput#use}).
     */
    static final String STORE_CONNECTION = "org.apache.zookeeper.ClientCnxn";

    private final boolean testConfigPresent;

    /** As logback's service loader makes it. */
    public LogConfigurator() {
        this(LogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null);
    }

    LogConfigurator(boolean testConfigPresent) {
        this.testConfigPresent = testConfigPresent;
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (testConfigPresent) return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        for (String library : QUIET) context.getLogger(library).setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getenv("PGMANAGER_LOG_LEVEL"), Level.INFO));
        // asked for DEBUG, one sees why each attempt failed
        if (!root.isDebugEnabled()) context.getLogger(STORE_CONNECTION).setLevel(Level.ERROR);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
