package dev.pgmanager.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * The Docker engine and the pgmanager image the container tests run on. Where either is missing the tests are skipped
 * with the reason, unless {@value #IMAGE_VARIABLE} names the image: then they are required (CI sets it), and a missing
 * engine or image fails them. The tests never pull and never build: the image is built from the repository's
 * Dockerfile beforehand ({@code .ci/run} does; by hand: {@code docker build -t pgmanager:test .}).
 */
final class DockerEngine implements ExecutionCondition {
    /** The image to test; set means the tests must run. */
    static final String IMAGE_VARIABLE = "PGMANAGER_IMAGE";
    /** A file the image build writes "ok" or "failed" into when it ends, when it runs alongside the tests (.ci/run). */
    static final String BUILD_STATUS_VARIABLE = "PGMANAGER_IMAGE_BUILD_STATUS";
    static final String DEFAULT_IMAGE = "pgmanager:test";
    private static final Duration BUILD_WAIT = Duration.ofMinutes(20);

    /**
     * Disables the tests, with the reason in the report, where the engine or the image is missing and the tests are not
     * required; required tests run (and {@link #image()} fails them when something is missing).
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (required().isPresent()) return ConditionEvaluationResult.enabled(IMAGE_VARIABLE + " is set: the tests must run");
        return missing(DEFAULT_IMAGE)
                .map(why -> ConditionEvaluationResult.disabled("container tests skipped: " + why))
                .orElseGet(() -> ConditionEvaluationResult.enabled("Docker engine and image " + DEFAULT_IMAGE + " found"));
    }

    /** The image's name, once the engine answers and holds it; fails the test otherwise. */
    static String image() {
        String image = required().orElse(DEFAULT_IMAGE);
        if (!DockerClientFactory.instance().isDockerAvailable()) Assertions.fail(missingEngine());
        waitForBuild(image);
        missing(image).ifPresent(why -> Assertions.fail(IMAGE_VARIABLE + "=" + image + " requires the container tests, but " + why));
        return image;
    }

    private static Optional<String> required() {
        return Optional.ofNullable(System.getenv(IMAGE_VARIABLE)).filter(s -> !s.isBlank());
    }

    /** Why the tests cannot run on {@code image}, if they cannot. */
    private static Optional<String> missing(String image) {
        if (!DockerClientFactory.instance().isDockerAvailable()) return Optional.of(missingEngine());
        try {
            client().inspectImageCmd(image).exec();
            return Optional.empty();
        } catch (NotFoundException e) {
            return Optional.of("the image " + image + " is not in the Docker engine: build it with `docker build -t "
                    + image + " .` (the tests never pull or build)");
        }
    }

    private static String missingEngine() {
        return "no Docker engine is reachable (DOCKER_HOST="
                + Optional.ofNullable(System.getenv("DOCKER_HOST")).orElse("unset") + ")";
    }

    static DockerClient client() {
        return DockerClientFactory.instance().client();
    }

    /** .ci/run builds the image while the other modules' tests run; wait for it to finish. */
    private static void waitForBuild(String image) {
        String statusFile = System.getenv(BUILD_STATUS_VARIABLE);
        if (statusFile == null || statusFile.isBlank()) return;
        Path status = Path.of(statusFile);
        Instant deadline = Instant.now().plus(BUILD_WAIT);
        try {
            while (!Files.exists(status) || Files.readString(status).isBlank()) {
                if (Instant.now().isAfter(deadline)) {
                    Assertions.fail("the build of " + image + " did not finish within " + BUILD_WAIT.toMinutes() + " minutes");
                }
                Thread.sleep(2000);
            }
            String outcome = Files.readString(status).strip();
            Assertions.assertEquals("ok", outcome, "the build of " + image + " failed; its log is next to " + status);
        } catch (IOException e) {
            Assertions.fail("cannot read " + status + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Assertions.fail("interrupted while waiting for the image build");
        }
    }
}
