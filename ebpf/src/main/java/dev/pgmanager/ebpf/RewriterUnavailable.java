package dev.pgmanager.ebpf;

/** eBPF cannot work here; the message says exactly why, for the operator (it becomes {@link RewriterStatus.Off}). */
final class RewriterUnavailable extends Exception {
    RewriterUnavailable(String reason) {
        super(reason, null, false, false);
    }
}
