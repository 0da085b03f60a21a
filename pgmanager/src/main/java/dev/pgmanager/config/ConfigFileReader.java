package dev.pgmanager.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/** Reads a YAML or Java properties config file into flat dotted keys. Says which file and line is wrong. */
final class ConfigFileReader {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            // a key given twice is almost always a paste mistake; silently taking the last one hides it
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private ConfigFileReader() {}

    static ConfigFile read(Path path) {
        String name = path.toString();
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException("config file " + name + " does not exist or cannot be read");
        }
        String fileName = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (fileName.endsWith(".yml") || fileName.endsWith(".yaml")) {
            return new ConfigFile(name, readYaml(path));
        }
        if (fileName.endsWith(".properties")) {
            return new ConfigFile(name, readProperties(path));
        }
        throw new ConfigException("config file " + name + " has an unknown format: name it .yml, .yaml or .properties");
    }

    private static Map<String, String> readYaml(Path path) {
        JsonNode root;
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            root = YAML.readTree(reader);
        } catch (JsonProcessingException malformed) {
            throw new ConfigException("config file " + path + " is not valid YAML" + describe(malformed));
        } catch (IOException unreadable) {
            throw new ConfigException("config file " + path + " cannot be read: " + unreadable.getMessage());
        }
        Map<String, String> settings = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return settings;
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + path + " must hold a mapping of keys (like 'app: my-db') at the top level");
        }
        List<String> problems = new ArrayList<>();
        flatten("", root, settings, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream().map(problem -> problem + " in " + path).toList());
        }
        return settings;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> settings, List<String> problems) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), settings, problems);
            }
        } else if (node.isArray()) {
            // lists are written as the comma-separated text the environment variables take
            List<String> items = new ArrayList<>();
            for (JsonNode item : node) {
                if (item.isContainerNode()) {
                    problems.add(prefix + ": expected a list of plain values");
                    return;
                }
                items.add(item.asText());
            }
            settings.put(prefix, String.join(",", items));
        } else if (!node.isNull()) {
            settings.put(prefix, node.asText());
        }
    }

    private static Map<String, String> readProperties(Path path) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException malformed) {
            throw new ConfigException("config file " + path + " is not a valid properties file: " + malformed.getMessage());
        }
        Map<String, String> settings = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            settings.put(key, properties.getProperty(key));
        }
        return settings;
    }

    /**
     * Where and what, without quoting the file: the YAML parser's full message repeats the offending line, which
     * may hold a password.
     */
    private static String describe(JsonProcessingException malformed) {
        if (malformed.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            String problem = yaml.getProblem();
            if (yaml.getContext() != null && yaml.getContextMark() != null) {
                problem += " (" + yaml.getContext() + " that starts at line " + (yaml.getContextMark().getLine() + 1) + ")";
            }
            return " at line " + (yaml.getProblemMark().getLine() + 1) + ", column " + (yaml.getProblemMark().getColumn() + 1)
                    + ": " + problem;
        }
        // errors Jackson itself finds, such as a duplicate key, name the key but never quote a value
        JsonLocation location = malformed.getLocation();
        String at = location == null || location.getLineNr() < 1
                ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
        return at + ": " + malformed.getOriginalMessage().lines().findFirst().orElse("syntax error");
    }
}
