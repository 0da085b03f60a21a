package dev.pgmanager.ebpf;

/** The socket hooks the rewriter attaches to: one program each, named as in rewriter.bpf.c. */
enum Hook {
    CONNECT6("connect6", 11),
    SENDMSG6("sendmsg6", 15),
    RECVMSG6("recvmsg6", 20),
    CONNECT4("connect4", 10),
    SENDMSG4("sendmsg4", 14),
    RECVMSG4("recvmsg4", 19);

    private final String programName;
    private final int attachType;

    Hook(String programName, int attachType) {
        this.programName = programName;
        this.attachType = attachType;
    }

    String programName() {
        return programName;
    }

    /** The kernel's enum bpf_attach_type value (BPF_CGROUP_INET6_CONNECT, ...). */
    int attachType() {
        return attachType;
    }
}
