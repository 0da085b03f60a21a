package dev.pgmanager.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.pgmanager.store.testing.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * The Docker engine and the pgmanager image the container tests run on. Where either is missing the tests are skipped
 * with the reason ({@link Prerequisites}), unless they are required: in CI ({@code CI=true}), or when
 * {@value #IMAGE_VARIABLE} names the image ({@code .ci/run} sets it), a missing engine or image fails them. The tests
 * never pull and never build: the image is built from the repository's Dockerfile beforehand ({@code .ci/run} does; by
 * hand: {@code docker build -t pgmanager:test .}).
 */
final class DockerEngine implements ExecutionCondition {
    /** The image to test; set means the tests must run. */
    static final String IMAGE_VARIABLE = "PGMANAGER_IMAGE";
    /** A file the image build writes "ok" or "failed" into when it ends, when it runs alongside the tests (.ci/run). */
    static final String BUILD_STATUS_VARIABLE = "PGMANAGER_IMAGE_BUILD_STATUS";
    static final String DEFAULT_IMAGE = "pgmanager:test";
    private static final Duration BUILD_WAIT = Duration.ofMinutes(20);

    /**
     * Disables the test class, with the reason in the report, where the engine or the image is missing and the tests
     * are not required. Surefire reports a class disabled here as skipped with the reason, but says nothing of one that
     * {@link #image()} skips from {@code @BeforeAll}; required tests run, and {@link #image()} fails them.
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (required().isPresent() || Prerequisites.inCi()) {
            return ConditionEvaluationResult.enabled("the container tests must run (" + IMAGE_VARIABLE + " or CI=true is set)");
        }
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return ConditionEvaluationResult.disabled("container tests skipped: no Docker engine is reachable");
        }
        if (!holds(DEFAULT_IMAGE)) {
            return ConditionEvaluationResult.disabled("container tests skipped: no image " + DEFAULT_IMAGE
                    + " in the Docker engine (build it with `docker build -t " + DEFAULT_IMAGE + " .`)");
        }
        return ConditionEvaluationResult.enabled("Docker engine and image " + DEFAULT_IMAGE + " found");
    }

    /**
     * The image's name, once the engine answers and holds it. Where either is missing it skips the calling test (call
     * it before starting anything), or fails it when the tests are required.
     */
    static String image() {
        String image = required().orElse(DEFAULT_IMAGE);
        need(DockerClientFactory.instance().isDockerAvailable(), () -> "a Docker engine (none is reachable at DOCKER_HOST="
                + Optional.ofNullable(System.getenv("DOCKER_HOST")).orElse("unset") + ")");
        waitForBuild(image);
        need(holds(image), () -> "the image " + image + " in the Docker engine (build it with `docker build -t " + image
                + " .`; the tests never pull or build)");
        return image;
    }

    private static void need(boolean present, Supplier<String> what) {
        if (!present && required().isPresent()) {
            Assertions.fail(IMAGE_VARIABLE + "=" + required().get() + " requires the container tests, but " + what.get()
                    + " is missing");
        }
        Prerequisites.require(present, what);
    }

    private static Optional<String> required() {
        return Optional.ofNullable(System.getenv(IMAGE_VARIABLE)).filter(s -> !s.isBlank());
    }

    private static boolean holds(String image) {
        try {
            client().inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
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
