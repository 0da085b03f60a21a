package dev.pgmanager.platform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), as Prometheus reads a scrape: HELP and
 * TYPE lines, samples with escaped label values, special float values. Anything Prometheus would reject (a sample
 * outside its family, a malformed name, label or value, a series twice) fails the parse, so a test that scrapes a
 * member checks the format too, not only the numbers.
 */
final class PrometheusText {
    record Family(String name, String type, String help) {}

    record Sample(String name, Map<String, String> labels, double value) {}

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*";
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    final Map<String, Family> families = new LinkedHashMap<>();
    final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {}

    static PrometheusText parse(String exposition) {
        PrometheusText parsed = new PrometheusText();
        Map<String, String> help = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        Family current = null;
        int number = 0;
        for (String line : exposition.split("\n", -1)) {
            number++;
            if (line.isBlank()) continue;
            try {
                if (line.startsWith("# HELP ")) {
                    String[] parts = line.substring(7).split(" ", 2);
                    help.put(requireName(parts[0]), parts.length > 1 ? parts[1] : "");
                } else if (line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ");
                    if (parts.length != 2 || !TYPES.contains(parts[1])) throw new IllegalArgumentException("bad TYPE line");
                    if (parsed.families.containsKey(parts[0])) throw new IllegalArgumentException("second TYPE for " + parts[0]);
                    current = new Family(requireName(parts[0]), parts[1], help.getOrDefault(parts[0], ""));
                    parsed.families.put(current.name(), current);
                } else if (line.startsWith("#")) {
                    continue;
                } else {
                    Sample sample = sample(line);
                    if (current == null || !belongs(sample.name(), current)) {
                        throw new IllegalArgumentException("sample " + sample.name() + " outside its family");
                    }
                    if (!series.add(sample.name() + sample.labels())) throw new IllegalArgumentException("series twice");
                    parsed.samples.add(sample);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + number + " of the scrape: " + e.getMessage() + ": " + line, e);
            }
        }
        return parsed;
    }

    /** The one series of {@code name} with exactly these labels ({@code "k", "v", ...}). */
    Optional<Double> find(String name, String... labels) {
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) wanted.put(labels[i], labels[i + 1]);
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(wanted)).map(Sample::value).findFirst();
    }

    double value(String name, String... labels) {
        return find(name, labels).orElseThrow(() -> new AssertionError("no series " + name + " " + List.of(labels) + " in " + samples));
    }

    List<Sample> series(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The one series of {@code name} whose labels include these ({@code "k", "v", ...}), whatever its other labels. */
    Sample one(String name, String... labels) {
        List<Sample> matching = series(name).stream().filter(s -> {
            for (int i = 0; i < labels.length; i += 2) {
                if (!labels[i + 1].equals(s.labels().get(labels[i]))) return false;
            }
            return true;
        }).toList();
        if (matching.size() != 1) throw new AssertionError(matching.size() + " series " + name + " " + List.of(labels) + " in " + series(name));
        return matching.getFirst();
    }

    /**
     * Whether PromQL can select {@code name} from this scrape: a sample has that name, or it is a series of a histogram
     * family here ({@code _bucket}, {@code _sum}, {@code _count}).
     */
    boolean exports(String name) {
        if (samples.stream().anyMatch(s -> s.name().equals(name))) return true;
        return List.of("_bucket", "_sum", "_count").stream().filter(name::endsWith)
                .map(suffix -> families.get(name.substring(0, name.length() - suffix.length())))
                .anyMatch(family -> family != null && family.type().equals("histogram"));
    }

    String typeOf(String family) {
        return Optional.ofNullable(families.get(family)).map(Family::type)
                .orElseThrow(() -> new AssertionError("no family " + family + " in " + families.keySet()));
    }

    private static boolean belongs(String sample, Family family) {
        if (sample.equals(family.name())) return true;
        List<String> suffixes = switch (family.type()) {
            case "counter" -> List.of("_total", "_created");
            case "histogram" -> List.of("_bucket", "_sum", "_count", "_created");
            case "summary" -> List.of("_sum", "_count", "_created");
            default -> List.of();
        };
        return suffixes.stream().anyMatch(suffix -> sample.equals(family.name() + suffix));
    }

    private static Sample sample(String line) {
        int at = 0;
        while (at < line.length() && line.charAt(at) != '{' && line.charAt(at) != ' ') at++;
        String name = requireName(line.substring(0, at));
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                int eq = line.indexOf('=', at);
                String label = line.substring(at, eq);
                if (!label.matches(LABEL)) throw new IllegalArgumentException("bad label name " + label);
                if (line.charAt(eq + 1) != '"') throw new IllegalArgumentException("unquoted label value");
                StringBuilder value = new StringBuilder();
                int i = eq + 2;
                for (; line.charAt(i) != '"'; i++) {
                    char c = line.charAt(i);
                    if (c == '\\') {
                        char escaped = line.charAt(++i);
                        value.append(switch (escaped) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("bad escape \\" + escaped);
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) throw new IllegalArgumentException("label twice: " + label);
                at = i + 1;
                if (line.charAt(at) == ',') at++;
                else if (line.charAt(at) != '}') throw new IllegalArgumentException("expected , or }");
            }
            at++;
        }
        String[] rest = line.substring(at).strip().split(" ");
        if (rest.length < 1 || rest.length > 2) throw new IllegalArgumentException("expected a value and maybe a timestamp");
        if (rest.length == 2) Long.parseLong(rest[1]);
        return new Sample(name, labels, value(rest[0]));
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static String requireName(String name) {
        if (!name.matches(NAME)) throw new IllegalArgumentException("bad metric name '" + name + "'");
        return name;
    }
}
