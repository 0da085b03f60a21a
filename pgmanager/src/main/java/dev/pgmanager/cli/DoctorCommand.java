package dev.pgmanager.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgmanager.dns.DnsSettings;
import dev.pgmanager.dns.MachineNameResolverProvider;
import dev.pgmanager.dns.MachineNames;
import dev.pgmanager.doctor.Doctor;
import dev.pgmanager.doctor.DoctorTarget;
import dev.pgmanager.doctor.DoctorTarget.KnownMember;
import dev.pgmanager.doctor.Finding;
import dev.pgmanager.doctor.Fixes;
import dev.pgmanager.doctor.Report;
import dev.pgmanager.doctor.Severity;
import dev.pgmanager.net.MachineId;
import dev.pgmanager.postgres.Credentials;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;

/** {@code pgmanager doctor}: examines the cluster from every side it can reach, and says how to fix what it finds. */
@Command(
        name = "doctor",
        mixinStandardHelpOptions = true,
        description = {
            "Examines the cluster and prints one line per finding: its severity (ok, warning, critical), the check's "
                    + "name, what is the case, and the exact command that fixes it.",
            "Checks: store (reachable, quorate, each server), lease (a leader and its epoch, no primary without the lease, "
                    + "not paused), member (each one running, its role, timeline, received/replayed WAL, lag), dns (each name "
                    + "answers, with the address the member last reported), upstream (each replica streams from the "
                    + "leader's address in DNS now, as pg_stat_wal_receiver shows; no stale or ALTER SYSTEM-pinned "
                    + "literal address), timeline (no member's history diverged from the leader's), slots (a slot on the "
                    + "leader for every member, no orphaned slot holding WAL), rewriter (on, or off and why; stale "
                    + "addresses dialed), disk (room on each data directory's volume), backups (configured at all; WAL "
                    + "archived as it is completed, no archiving failures; base backups on schedule; as the leader's record "
                    + "reports them).",
            "Reads the store, DNS, each member's API (GET /member) and each member's PostgreSQL as the superuser "
                    + "(password from SU_PASSWORD or PGMANAGER_SUPERUSER_PASSWORD, or a local cluster's file), at the "
                    + "addresses DNS gives now: it runs on a member or on an operator's machine alike. When the store "
                    + "is down it still examines the members a local cluster's file lists.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:healthy: every finding is ok",
            "1:at least one warning or critical finding",
            "2:could not run: neither the store nor any member answered, invalid command line, or no cluster named",
        })
final class DoctorCommand extends ClusterReport {
    @Override
    public Integer call() {
        Report report = Doctor.examine(doctorTarget());
        PrintWriter out = out();
        switch (output.format) {
            case json -> out.println(Json.pretty(json(report)));
            case table -> printTable(report, out);
        }
        out.flush();
        return report.exitCode();
    }

    private DoctorTarget doctorTarget() {
        ClusterTarget.Target t = target.target();
        Optional<ClusterTarget.LocalCluster> local = target.localCluster();
        Optional<Path> localDir = local.map(l -> l.dir().toAbsolutePath().normalize());
        String targetArgs = localDir.map(dir -> "--dir " + dir).orElse("--store " + t.store() + " --cluster " + t.cluster());
        Map<String, KnownMember> known = new TreeMap<>();
        local.ifPresent(l -> l.file().members().forEach(m -> known.put(m.machineId(), new KnownMember(m.address(), m.pgPort(), m.apiPort()))));
        DnsSettings dns = DnsSettings.forApp(t.cluster()).withServers(t.dnsServers());
        // Peers' machine-ID names in an ensemble's connect string resolve through the cluster's DNS.
        MachineNames names = target.memberNames();
        MachineNameResolverProvider.install(names);
        return new DoctorTarget(t.store(), t.storeSecret(), t.cluster(), target.addresses(), id -> dns.hostnameOf(MachineId.of(id)), names::machineIdOf,
                target.superuserPassword().map(password -> new Credentials(target.superuser(), password)), known,
                new Fixes(targetArgs, localDir, t.cluster(), t.store(), target.superuser()));
    }

    private static void printTable(Report report, PrintWriter out) {
        report.couldNotRun().ifPresent(why -> out.println("could not examine cluster " + report.cluster() + ": " + why));
        for (Finding f : report.findings()) {
            out.println(String.format(Locale.ROOT, "%-8s %-9s %-14s %s%s", label(f.severity()), f.check(), f.subject(), f.message(),
                    f.fix().map(fix -> "  → fix: " + fix).orElse("")));
        }
        long critical = report.findings().stream().filter(f -> f.severity() == Severity.CRITICAL).count();
        long warnings = report.findings().stream().filter(f -> f.severity() == Severity.WARNING).count();
        out.println(report.couldNotRun().isPresent() ? "could not run (exit 2)"
                : critical + " critical, " + warnings + " warning(s), " + (report.findings().size() - critical - warnings)
                        + " ok" + (report.exitCode() == Report.HEALTHY ? ": healthy" : ""));
    }

    /** The documented, stable shape: {@code {cluster, status, exit_code, error, findings: [{severity, check, subject, message, fix}]}}. */
    static ObjectNode json(Report report) {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("cluster", report.cluster());
        json.put("status", switch (report.exitCode()) {
            case Report.HEALTHY -> "healthy";
            case Report.FINDINGS -> "findings";
            default -> "could_not_run";
        });
        json.put("exit_code", report.exitCode());
        json.put("error", report.couldNotRun().orElse(null));
        ArrayNode findings = json.putArray("findings");
        for (Finding f : report.findings()) {
            ObjectNode finding = findings.addObject().put("severity", label(f.severity())).put("check", f.check())
                    .put("subject", f.subject()).put("message", f.message());
            finding.put("fix", f.fix().orElse(null));
        }
        return json;
    }

    private static String label(Severity severity) {
        return severity.name().toLowerCase(Locale.ROOT);
    }
}
