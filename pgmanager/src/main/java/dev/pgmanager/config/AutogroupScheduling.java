package dev.pgmanager.config;

import java.util.Map;

/**
 * Whether the sidecar turns the kernel's autogroup scheduling off ({@code kernel.sched_autogroup_enabled}), which
 * shares the CPU between sessions before threads: {@code OFF} turns it off, {@code KEEP} leaves the kernel's setting,
 * {@code AUTO} turns it off on a Fly machine (a virtual machine that is this member's alone) and leaves it elsewhere
 * (a developer's machine, a host of containers).
 */
public enum AutogroupScheduling {
    AUTO, OFF, KEEP;

    /** Whether this member should turn autogroups off, in a process whose environment is {@code environment}. */
    public boolean turnsOff(Map<String, String> environment) {
        return switch (this) {
            case OFF -> true;
            case KEEP -> false;
            case AUTO -> environment.containsKey("FLY_MACHINE_ID");
        };
    }
}
