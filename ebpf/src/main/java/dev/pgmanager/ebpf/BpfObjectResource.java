package dev.pgmanager.ebpf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The compiled BPF object packaged in this jar, written to a temporary file because libbpf opens files by path. */
final class BpfObjectResource {
    static final String NAME = "rewriter.bpf.o";

    private BpfObjectResource() {}

    /** A temporary copy; the caller deletes it. */
    static Path extract() {
        try (InputStream in = BpfObjectResource.class.getResourceAsStream(NAME)) {
            if (in == null) {
                throw new IllegalStateException(NAME + " is missing from the jar: the build compiles it with clang");
            }
            Path file = Files.createTempFile("pgmanager-rewriter-", ".bpf.o");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the BPF object to a temporary file", e);
        }
    }
}
