package dev.pgmanager.config;

import dev.pgmanager.store.MachineIds;

import java.nio.file.InvalidPathException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import dev.pgmanager.ha.SynchronousMode;
import dev.pgmanager.postgres.WalSegmentSize;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Turns the text of one setting into its value, or says in a phrase why it cannot. */
public final class ValueParsers {
    /** Cluster and region names end up in store paths and DNS names, so they keep to DNS-label characters. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    /** Role names that need no quoting in SQL, pg_hba.conf or a conninfo string. */
    private static final Pattern PLAIN_ROLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern BACKUP_LABEL = Pattern.compile("\\d{8}-\\d{6}F(_\\d{8}-\\d{6}[DI])?");
    private static final Pattern REPOSITORY_PATH = Pattern.compile("(/[A-Za-z0-9._-]+)+");
    private static final Pattern NO_WHITESPACE = Pattern.compile("\\S+");

    private ValueParsers() {}

    static String machineId(String text) {
        return MachineIds.requireValid(text);
    }

    public static String appName(String text) {
        return matching(text, DNS_LABEL, "is not a valid app name: use 1 to 63 lower-case letters, digits or '-'");
    }

    static String regionName(String text) {
        return matching(text, DNS_LABEL, "is not a valid region name: use 1 to 63 lower-case letters, digits or '-'");
    }

    static String roleName(String text) {
        return matching(text, PLAIN_ROLE,
                "is not a plain role name: use up to 63 lower-case letters, digits or '_', not starting with a digit");
    }

    static String osUserName(String text) {
        return matching(text, NO_WHITESPACE, "is not a user name");
    }

    /** Free text such as a password: anything set is accepted as written. */
    static String text(String text) {
        return text;
    }

    static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException(ShownValue.of(text) + " is not a boolean (use true/false, yes/no, 1/0)");
        };
    }

    static int integer(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException notAnInteger) {
            throw new IllegalArgumentException(ShownValue.of(text) + " is not a whole number");
        }
    }

    /** A share of a whole, 1 to 99, with or without its {@code %} sign. */
    static int percent(String text) {
        String digits = text.strip();
        if (digits.endsWith("%")) digits = digits.substring(0, digits.length() - 1).strip();
        try {
            int percent = Integer.parseInt(digits);
            if (percent >= 1 && percent <= 99) return percent;
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new IllegalArgumentException(ShownValue.of(text) + " is not a percentage from 1% to 99%");
    }

    /** {@link #percent}, or {@code off} for never. */
    static OptionalInt percentOrOff(String text) {
        if (text.strip().equalsIgnoreCase("off")) return OptionalInt.empty();
        return OptionalInt.of(percent(text));
    }

    /** Relative paths would depend on the directory the sidecar happens to be started from. */
    static Path absolutePath(String text) {
        try {
            Path path = Path.of(text.strip());
            if (path.isAbsolute()) {
                return path.normalize();
            }
        } catch (InvalidPathException notAPath) {
            // reported below
        }
        throw new IllegalArgumentException(ShownValue.of(text) + " is not an absolute path");
    }

    public static LogFormat logFormat(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "text" -> LogFormat.TEXT;
            case "json" -> LogFormat.JSON;
            default -> throw new IllegalArgumentException(ShownValue.of(text) + " is not a log format (use text or json)");
        };
    }

    static AutogroupScheduling autogroupScheduling(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> AutogroupScheduling.AUTO;
            // YAML reads a bare off as the boolean false
            case "off", "false" -> AutogroupScheduling.OFF;
            case "keep" -> AutogroupScheduling.KEEP;
            default -> throw new IllegalArgumentException(ShownValue.of(text)
                    + " is not what to do with the kernel's autogroup scheduling (use auto, off or keep)");
        };
    }

    static java.util.Optional<java.net.InetSocketAddress> socketAddressOrOff(String text) {
        return text.strip().equalsIgnoreCase("off") ? java.util.Optional.empty()
                : java.util.Optional.of(NetworkSyntax.socketAddress(text));
    }

    static String flyAdminFrom(String text) {
        String mode = text.strip().toLowerCase(Locale.ROOT);
        if (!java.util.Set.of("peers", "network", "local").contains(mode)) {
            throw new IllegalArgumentException(ShownValue.of(text) + " is not who may change things through the flyctl API "
                    + "(use peers, network or local)");
        }
        return mode;
    }

    static StoreConfig.StoreMode storeMode(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "external" -> StoreConfig.StoreMode.EXTERNAL;
            case "ensemble" -> StoreConfig.StoreMode.ENSEMBLE;
            default -> throw new IllegalArgumentException(ShownValue.of(text) + " is not a store mode (use external or ensemble)");
        };
    }

    /** An odd number of peers: an even one tolerates no more lost peers than the odd one below it. */
    static int ensembleSize(String text) {
        int size = integer(text);
        if (size != 3 && size != 5) {
            throw new IllegalArgumentException(size + " is not an ensemble size (use 3, which survives one lost peer, or 5, which survives two)");
        }
        return size;
    }

    static WalSegmentSize walSegmentSize(String text) {
        long bytes = Sizes.parseBytes(text);
        try {
            return new WalSegmentSize(bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ShownValue.of(text) + " is not a WAL segment size (use " + e.getMessage() + ")");
        }
    }

    static MigrationVerification migrationVerification(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "full" -> MigrationVerification.FULL;
            case "quick" -> MigrationVerification.QUICK;
            case "off" -> MigrationVerification.OFF;
            default -> throw new IllegalArgumentException(ShownValue.of(text) + " is not a verification level (use full, quick or off)");
        };
    }

    static SynchronousMode synchronousMode(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "off", "false" -> SynchronousMode.OFF;
            case "on", "true" -> SynchronousMode.ON;
            case "quorum" -> SynchronousMode.QUORUM;
            default -> throw new IllegalArgumentException(ShownValue.of(text) + " is not a synchronous mode (use off, on or quorum)");
        };
    }

    static int synchronousNodeCount(String text) {
        int count = integer(text);
        if (count < 1 || count > 8) throw new IllegalArgumentException(count + " is not a synchronous node count (1 to 8)");
        return count;
    }

    /** A comma-separated list of CIDR networks; every bad entry is named, not just the first. */
    static List<String> cidrList(String text) {
        List<String> networks = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String entry : text.split(",")) {
            try {
                networks.add(NetworkSyntax.cidr(entry));
            } catch (IllegalArgumentException badEntry) {
                problems.add(badEntry.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        if (networks.isEmpty()) {
            throw new IllegalArgumentException("no networks listed (like fdaa::/16,127.0.0.1/32)");
        }
        return List.copyOf(networks);
    }

    /** Name servers as {@code address:port} literals ({@code [fdaa::3]:53}): a name server cannot be looked up by name. */
    public static List<InetSocketAddress> dnsServers(String text) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String entry : text.split(",")) {
            InetSocketAddress server = NetworkSyntax.socketAddress(entry.strip());
            if (server.isUnresolved()) {
                throw new IllegalArgumentException(entry.strip() + " is not an IP address and port (like [fdaa::3]:53)");
            }
            servers.add(server);
        }
        return List.copyOf(servers);
    }

    /** The DNS name of a member: must contain {@code {machine_id}}, which is what makes it that member's name. */
    static String dnsNamePattern(String text) {
        if (!text.contains("{machine_id}")) {
            throw new IllegalArgumentException("'" + text + "' does not contain {machine_id} (like {machine_id}.vm.{app}.internal)");
        }
        return text.strip();
    }

    /** A duration within bounds written as in the documentation, so the message quotes them as the docs do. */
    static Function<String, Duration> durationBetween(String minimum, String maximum) {
        Duration lowest = Durations.parse(minimum);
        Duration highest = Durations.parse(maximum);
        return text -> {
            Duration duration = Durations.parse(text);
            if (duration.compareTo(lowest) < 0 || duration.compareTo(highest) > 0) {
                throw new IllegalArgumentException(ShownValue.of(text) + " is out of range (" + minimum + " to " + maximum + ")");
            }
            return duration;
        };
    }

    static Function<String, Duration> positiveDuration() {
        return text -> {
            Duration duration = Durations.parse(text);
            if (duration.isZero()) {
                throw new IllegalArgumentException(ShownValue.of(text) + " must be longer than zero");
            }
            return duration;
        };
    }

    /** S3's rules for a bucket name, as Tigris and AWS apply them. */
    static String bucketName(String text) {
        return matching(text, BUCKET, "is not a bucket name (3 to 63 lower-case letters, digits, '.' or '-')");
    }

    /** An S3 endpoint as {@code AWS_ENDPOINT_URL_S3} gives it: https, a host, perhaps a port, nothing else. */
    static java.net.URI httpsEndpoint(String text) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(text.strip());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(ShownValue.of(text) + " is not a URL (like https://fly.storage.tigris.dev)");
        }
        if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException(ShownValue.of(text) + " must be an https:// URL with a host (pgBackRest reaches "
                    + "object storage over TLS only), like https://fly.storage.tigris.dev");
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
                || uri.getRawQuery() != null || uri.getUserInfo() != null) {
            throw new IllegalArgumentException(ShownValue.of(text) + " must be only https://host[:port]: the bucket and the path "
                    + "are set apart (backup.bucket, backup.path)");
        }
        return uri;
    }

    /** A backup's label as pgBackRest names it: {@code 20261203-101500F}, or with a differential or incremental part. */
    static String backupLabel(String text) {
        return matching(text, BACKUP_LABEL, "is not a backup label (like 20261203-101500F, as pgmanager backup list shows it)");
    }

    /** A moment, ISO-8601 with an offset: {@code 2026-12-03T10:15:00Z}. */
    static java.time.Instant instant(String text) {
        try {
            return java.time.OffsetDateTime.parse(text.strip()).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(ShownValue.of(text) + " is not a time with an offset (like 2026-12-03T10:15:00Z)");
        }
    }

    /** A prefix in the bucket: absolute, plain segments, no trailing slash. */
    static String repositoryPath(String text) {
        return matching(text, REPOSITORY_PATH, "is not a repository path (like /pgmanager/my-app: '/' then letters, digits, "
                + "'.', '_' or '-' in segments)");
    }

    private static String matching(String text, Pattern pattern, String complaint) {
        String candidate = text.strip();
        if (!pattern.matcher(candidate).matches()) {
            throw new IllegalArgumentException(ShownValue.of(text) + " " + complaint);
        }
        return candidate;
    }
}
