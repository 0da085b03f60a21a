package dev.pgmanager.ebpf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Small Python clients the tests run, inside a test cgroup (the shell moves itself there, then execs Python, so the
 * pid the test sees is the pid that dials) or outside it. Killed by pid when they overrun.
 */
final class Helper {
    /** The kernel's command name of the helpers: the base name of the executable they exec. */
    static final String COMMAND = "python3";
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    /** Connects over TCP to argv[1]:argv[2] and prints the first line the server sends, or "error ERRNO" (exit 3). */
    static final String TCP_CLIENT = """
            import socket, sys
            s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect((sys.argv[1], int(sys.argv[2])))
                print(s.makefile().readline().strip())
            except OSError as e:
                print('error', e.errno)
                sys.exit(3)
            """;

    /** Sends one datagram to argv[1]:argv[2] and prints "SOURCE REPLY" of the answer, or "error ERRNO" (exit 3). */
    static final String UDP_CLIENT = """
            import socket, sys
            s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(5)
            try:
                s.sendto(b'ping', (sys.argv[1], int(sys.argv[2])))
                data, source = s.recvfrom(100)
                print(source[0], data.decode())
            except OSError as e:
                print('error', e.errno)
                sys.exit(3)
            """;

    /** Connects argv[3] times over TCP, one every 5 ms; prints "FAILURES" and exits 0. */
    static final String TCP_LOOP = """
            import socket, sys, time
            failures = 0
            for _ in range(int(sys.argv[3])):
                s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
                s.settimeout(5)
                try:
                    s.connect((sys.argv[1], int(sys.argv[2])))
                except OSError:
                    failures += 1
                s.close()
                time.sleep(0.005)
            print(failures)
            """;

    record Result(long pid, int exitCode, String output) {}

    private Helper() {}

    static Result runInside(TestCgroup cgroup, String script, String... args) throws IOException, InterruptedException {
        return run(Optional.of(cgroup.path), script, args);
    }

    static Result runOutside(String script, String... args) throws IOException, InterruptedException {
        return run(Optional.empty(), script, args);
    }

    static Process startInside(TestCgroup cgroup, String script, String... args) throws IOException {
        return start(Optional.of(cgroup.path), script, args);
    }

    static Result finish(Process process) throws IOException, InterruptedException {
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("helper " + process.pid() + " did not finish");
        }
        return new Result(process.pid(), process.exitValue(), output);
    }

    private static Result run(Optional<Path> cgroup, String script, String... args) throws IOException, InterruptedException {
        Process process = start(cgroup, script, args);
        try {
            return finish(process);
        } finally {
            process.destroyForcibly();
        }
    }

    private static Process start(Optional<Path> cgroup, String script, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        if (cgroup.isPresent()) {
            // $0 is cgroup.procs, $1 the interpreter, $2 the script, the rest its arguments.
            command.addAll(List.of("bash", "-c", "echo $$ > \"$0\" && exec \"$1\" -c \"$2\" \"${@:3}\"",
                    cgroup.get().resolve("cgroup.procs").toString()));
        }
        command.addAll(List.of(PYTHON));
        if (cgroup.isEmpty()) {
            command.add("-c");
        }
        command.add(script);
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }
}
