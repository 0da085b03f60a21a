package dev.pgmanager.platform.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The classes a running JVM has loaded (the JDK's {@code jcmd PID VM.classes}), counted by the library they belong to:
 * what a sidecar's memory is spent on, as each loaded class costs its metadata whether the AOT cache maps it or the
 * JVM parses it.
 */
public record LoadedClasses(List<String> names) {
    /** Package prefixes and the library each names, the first match counting (more specific prefixes first). */
    private static final List<Map.Entry<String, String>> LIBRARIES = List.of(
            Map.entry("java.", "the JDK"), Map.entry("javax.", "the JDK"), Map.entry("jdk.", "the JDK"),
            Map.entry("sun.", "the JDK"), Map.entry("com.sun.", "the JDK"),
            Map.entry("dev.pgmanager.", "pgmanager"),
            Map.entry("com.fasterxml.jackson.", "Jackson"), Map.entry("org.yaml.snakeyaml.", "SnakeYAML"),
            Map.entry("org.apache.curator.", "Curator"), Map.entry("org.apache.zookeeper.", "ZooKeeper"),
            Map.entry("org.apache.jute.", "ZooKeeper"), Map.entry("io.netty.", "Netty (ZooKeeper's TLS types)"),
            Map.entry("org.eclipse.jetty.", "Jetty"), Map.entry("ch.qos.logback.", "logback"), Map.entry("org.slf4j.", "SLF4J"),
            Map.entry("org.xbill.DNS.", "dnsjava"), Map.entry("io.prometheus.", "Prometheus client"),
            Map.entry("org.postgresql.", "pgjdbc"), Map.entry("picocli.", "picocli"));

    /** The class that makes a JVM a ZooKeeper peer (store mode ensemble); a client loads some of ZooKeeper's server package too. */
    public static final String ZOOKEEPER_PEER = "org.apache.zookeeper.server.quorum.QuorumPeer";

    /**
     * @param names one per loaded class, a hidden class's address left off: {@code Host$$Lambda} once for each of a
     *     class's lambdas, a name twice for a class that two loaders loaded
     */
    public LoadedClasses {
        names = List.copyOf(names);
    }

    /**
     * The classes {@code pid} has loaded, read with the jcmd of the JDK that runs us; empty when it has none or cannot ask
     * (the figures are then printed without them).
     */
    public static Optional<LoadedClasses> of(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) return Optional.empty();
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.classes")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines;
        try (var out = process.inputReader(StandardCharsets.UTF_8)) {
            lines = out.lines().toList();
        } finally {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        return process.exitValue() == 0 ? Optional.of(parse(lines)) : Optional.empty();
    }

    /**
     * {@code jcmd VM.classes}' table (a line of the PID, a header, then one class a line, its name last); a hidden
     * class's address ({@code $$Lambda/0x...}) is dropped from its name.
     */
    static LoadedClasses parse(List<String> lines) {
        return new LoadedClasses(lines.stream().skip(2).map(String::strip).filter(l -> !l.isEmpty())
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .map(name -> name.replaceFirst("/0x[0-9a-f]+$", "")).toList());
    }

    public int total() {
        return names.size();
    }

    public boolean contains(String className) {
        return names.contains(className);
    }

    /** Whether this JVM runs a ZooKeeper peer. */
    public boolean runsZooKeeperPeer() {
        return contains(ZOOKEEPER_PEER);
    }

    /** How many classes each library brought, most first; an array counts with its element's library. */
    public Map<String, Long> byLibrary() {
        return names.stream().collect(Collectors.groupingBy(LoadedClasses::library, Collectors.counting())).entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }

    static String library(String className) {
        String element = className.replaceFirst("^\\[+L?", "");
        // a primitive array ([B, [[I) is the JDK's
        if (element.length() <= 2 && !element.contains(".")) return "the JDK";
        return LIBRARIES.stream().filter(l -> element.startsWith(l.getKey())).map(Map.Entry::getValue).findFirst().orElse("other");
    }
}
