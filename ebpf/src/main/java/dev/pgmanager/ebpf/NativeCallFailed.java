package dev.pgmanager.ebpf;

/** A call into libbpf or libc failed; the message names the call, its subject and the system's reason. */
final class NativeCallFailed extends Exception {
    private final int errno;

    NativeCallFailed(String call, String subject, int errno) {
        super(call + (subject.isEmpty() ? "" : " " + subject) + ": " + Libc.describe(errno));
        this.errno = errno;
    }

    /** The positive errno value, e.g. 1 (EPERM). */
    int errno() {
        return errno;
    }
}
