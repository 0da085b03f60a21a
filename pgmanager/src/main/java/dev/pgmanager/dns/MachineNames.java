package dev.pgmanager.dns;

import dev.pgmanager.net.MachineId;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers the members' machine-ID names ({@code <id>.vm.<app>.internal}) for the JVM's own lookups, through
 * pgmanager's {@link AddressResolver}: the machine's own name with its own current address (it knows that best,
 * even while DNS still has the old one after a migration), every other member's from DNS, for no longer than the
 * record's TTL. Names of other shapes are not ours ({@link #owns} is false).
 */
public final class MachineNames {
    private final Pattern namePattern;
    private final String selfId;
    private final Optional<InetAddress> selfAddress;
    private final AddressResolver resolver;

    public MachineNames(DnsSettings dns, String selfId, Optional<InetAddress> selfAddress, AddressResolver resolver) {
        this.namePattern = toRegex(dns.namePattern(), dns.app());
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.selfAddress = Objects.requireNonNull(selfAddress, "selfAddress");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** For a process that is no member (an operator's tool): every member's name is looked up in DNS. */
    public static MachineNames forTool(DnsSettings dns, AddressResolver resolver) {
        return new MachineNames(dns, "", Optional.empty(), resolver);
    }

    /** Whether {@code host} is a member's machine-ID name. */
    public boolean owns(String host) {
        return machineIdOf(host).isPresent();
    }

    /** The member's current address, if {@code host} is a member's name and its address is known. */
    public Optional<InetAddress> lookUp(String host) {
        return machineIdOf(host).flatMap(id -> id.equals(selfId) && selfAddress.isPresent() ? selfAddress : resolver.resolve(MachineId.of(id)));
    }

    /** The machine ID in a member's name ({@code abc.vm.app.internal} gives {@code abc}). */
    public Optional<String> machineIdOf(String host) {
        if (host == null) return Optional.empty();
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        Matcher m = namePattern.matcher(name.toLowerCase(Locale.ROOT));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static Pattern toRegex(String pattern, String app) {
        String withApp = pattern.replace(DnsSettings.APP, app).toLowerCase(Locale.ROOT);
        int at = withApp.indexOf(DnsSettings.MACHINE_ID);
        String before = withApp.substring(0, at);
        String after = withApp.substring(at + DnsSettings.MACHINE_ID.length());
        return Pattern.compile(Pattern.quote(before) + "([a-z0-9][a-z0-9_]{0,62})" + Pattern.quote(after));
    }
}
