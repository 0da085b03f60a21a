/**
 * The stale-address rewriter: a BPF program attached to the machine's cgroup that rewrites connections aimed
 * at a peer's old address to its current one, and its loader. Nothing else in pgmanager depends on it.
 */
package dev.pgmanager.ebpf;
