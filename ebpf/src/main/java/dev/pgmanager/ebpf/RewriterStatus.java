package dev.pgmanager.ebpf;

import java.util.Objects;

/** What {@link StaleAddressRewriter#open} found: a running rewriter, or off and exactly why. */
public sealed interface RewriterStatus {
    /** The programs are attached; the caller owns {@code rewriter} and closes it. */
    record Running(StaleAddressRewriter rewriter) implements RewriterStatus {
        public Running {
            Objects.requireNonNull(rewriter, "rewriter");
        }
    }

    /** eBPF cannot work here (or nothing is attached, for {@link StaleAddressRewriter#openPinned}); {@code reason} says why. */
    record Off(String reason) implements RewriterStatus {
        public Off {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
