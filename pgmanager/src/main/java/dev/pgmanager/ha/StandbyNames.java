package dev.pgmanager.ha;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A value of PostgreSQL's {@code synchronous_standby_names}, as the leader sets it: empty (asynchronous),
 * {@code FIRST n ("id", ...)} or {@code ANY k ("id", ...)} over machine IDs (each standby's {@code application_name}),
 * or, to make commits wait while no standby may confirm them, a placeholder name no member can have (machine IDs
 * never hold a hyphen). Never {@code *}: that would let a standby tagged nosync confirm commits.
 *
 * @param method FIRST or ANY (meaningless when {@code standbys} is empty)
 * @param count how many of {@code standbys} must confirm a commit
 * @param standbys machine IDs, in priority order for FIRST
 * @param blocking commits wait for a standby that is not there
 */
public record StandbyNames(Method method, int count, List<String> standbys, boolean blocking) {
    /** The placeholder that keeps commits waiting; it can never be a machine ID. */
    public static final String NO_STANDBY = "no-synchronous-standby";

    public static final StandbyNames ASYNCHRONOUS = new StandbyNames(Method.FIRST, 0, List.of(), false);
    public static final StandbyNames BLOCKING = new StandbyNames(Method.FIRST, 0, List.of(), true);

    private static final Pattern SYNTAX = Pattern.compile("(FIRST|ANY) (\\d+) \\((.*)\\)");

    public enum Method { FIRST, ANY }

    public StandbyNames {
        standbys = List.copyOf(standbys);
        if (count < 0 || count > standbys.size()) {
            throw new IllegalArgumentException("count must be between 0 and " + standbys.size() + ", was " + count);
        }
    }

    public static StandbyNames first(List<String> standbys) {
        return new StandbyNames(Method.FIRST, standbys.size(), standbys, false);
    }

    public static StandbyNames any(int count, List<String> standbys) {
        return new StandbyNames(Method.ANY, count, standbys, false);
    }

    /** The setting's text, as written to the server's configuration. */
    public String render() {
        if (blocking) return "FIRST 1 (\"" + NO_STANDBY + "\")";
        if (standbys.isEmpty()) return "";
        return method + " " + count + " (" + standbys.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(", ")) + ")";
    }

    /** Reads back a value {@link #render()} wrote; empty for anything else (then it is set again). */
    public static Optional<StandbyNames> parse(String text) {
        String value = text.strip();
        if (value.isEmpty()) return Optional.of(ASYNCHRONOUS);
        if (value.equals(BLOCKING.render())) return Optional.of(BLOCKING);
        Matcher m = SYNTAX.matcher(value);
        if (!m.matches()) return Optional.empty();
        List<String> ids = Pattern.compile(",\\s*").splitAsStream(m.group(3))
                .map(s -> s.strip().replaceAll("^\"|\"$", "")).toList();
        try {
            return Optional.of(new StandbyNames(Method.valueOf(m.group(1)), Integer.parseInt(m.group(2)), ids, false));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        String text = render();
        return text.isEmpty() ? "'' (asynchronous)" : text;
    }
}
