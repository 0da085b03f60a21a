package dev.pgmanager.ebpf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the rewriter's objects are pinned in bpffs: one link per hook, and the maps the loader reads. The pins keep
 * the programs attached and the entries in place after the process that attached them exits.
 */
record PinLayout(Path root) {
    static final String REWRITES = "rewrites";
    static final String EVENTS = "events";

    Path map(String name) {
        return root.resolve(name);
    }

    Path link(Hook hook) {
        return root.resolve("link_" + hook.programName());
    }

    List<Path> all() {
        List<Path> pins = new ArrayList<>(List.of(map(REWRITES), map(EVENTS)));
        for (Hook hook : Hook.values()) {
            pins.add(link(hook));
        }
        return pins;
    }

    boolean complete() {
        return all().stream().allMatch(Files::exists);
    }

    boolean empty() {
        return all().stream().noneMatch(Files::exists);
    }
}
