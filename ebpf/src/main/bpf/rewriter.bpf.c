// SPDX-License-Identifier: GPL-2.0
/*
 * Stale-address rewriter: programs attached to a cgroup v2 directory that send connections and datagrams aimed at a
 * migrated machine's old address to its current one, keeping the port, and report who dialed the old address.
 *
 * One map serves both families: IPv4 addresses are keyed as IPv4-mapped IPv6 (::ffff:a.b.c.d), so a dual-stack
 * socket dialing ::ffff:a.b.c.d matches the same entry as an IPv4 socket dialing a.b.c.d.
 *
 * UDP replies come from the current address; a client that checks the source of a reply would drop them. The
 * translation back (recvmsg) uses what this socket itself sent (socket-local storage), not a global reverse map: a
 * global map would also disguise replies to programs that dial the current address on purpose, and cannot tell
 * which of several old addresses of one machine a socket used.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ADDRESS_LEN 16
#define SOCKET_PAIRS 4

struct address {
	__u32 words[4]; /* network byte order, as in bpf_sock_addr.user_ip6 */
};

struct rewrite {
	struct address current;
	__u64 hits;
};

struct rewrite_event {
	__u32 pid;
	__u16 port; /* host byte order */
	__u8 protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 hook; /* HOOK_CONNECT or HOOK_SENDMSG */
	char comm[16];
	struct address old_address;
	struct address new_address;
};

enum { HOOK_CONNECT = 1, HOOK_SENDMSG = 2 };

/* The pairs a UDP socket was redirected through, newest overwriting oldest, for translating replies back. */
struct socket_rewrites {
	struct address old_addresses[SOCKET_PAIRS];
	struct address new_addresses[SOCKET_PAIRS];
	__u32 next;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct address);
	__type(value, struct rewrite);
} rewrites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct socket_rewrites);
} socket_rewrites SEC(".maps");

static __always_inline struct address mapped_ipv4(__u32 ipv4)
{
	struct address a = { .words = { 0, 0, bpf_htonl(0xffff), ipv4 } };
	return a;
}

static __always_inline int same_address(const struct address *a, const struct address *b)
{
	return a->words[0] == b->words[0] && a->words[1] == b->words[1] && a->words[2] == b->words[2] &&
	       a->words[3] == b->words[3];
}

static __always_inline void report(struct bpf_sock_addr *ctx, const struct address *old_address,
				   const struct address *new_address, int hook)
{
	struct rewrite_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
	if (!event)
		return; /* ring full: the hit counter still counts it */
	event->pid = bpf_get_current_pid_tgid() >> 32;
	event->port = bpf_ntohs(ctx->user_port);
	event->protocol = ctx->protocol;
	event->hook = hook;
	bpf_get_current_comm(event->comm, sizeof(event->comm));
	event->old_address = *old_address;
	event->new_address = *new_address;
	bpf_ringbuf_submit(event, 0);
}

static __always_inline void remember_for_replies(struct bpf_sock_addr *ctx, const struct address *old_address,
						 const struct address *new_address)
{
	if (ctx->protocol != IPPROTO_UDP)
		return;
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return;
	struct socket_rewrites *pairs =
		bpf_sk_storage_get(&socket_rewrites, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!pairs)
		return;
	for (int i = 0; i < SOCKET_PAIRS; i++)
		if (same_address(&pairs->old_addresses[i], old_address) &&
		    same_address(&pairs->new_addresses[i], new_address))
			return;
	__u32 slot = pairs->next % SOCKET_PAIRS;
	pairs->old_addresses[slot] = *old_address;
	pairs->new_addresses[slot] = *new_address;
	pairs->next = slot + 1;
}

/* Looks the destination up; on a hit counts it, reports it and returns the current address to use instead. */
static __always_inline int redirect(struct bpf_sock_addr *ctx, const struct address *destination,
				    struct address *current, int hook)
{
	struct rewrite *entry = bpf_map_lookup_elem(&rewrites, destination);
	if (!entry)
		return 0;
	*current = entry->current;
	__sync_fetch_and_add(&entry->hits, 1);
	report(ctx, destination, current, hook);
	remember_for_replies(ctx, destination, current);
	return 1;
}

static __always_inline int redirect6(struct bpf_sock_addr *ctx, int hook)
{
	struct address destination = { .words = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
						   ctx->user_ip6[3] } };
	struct address current;
	if (redirect(ctx, &destination, &current, hook)) {
		ctx->user_ip6[0] = current.words[0];
		ctx->user_ip6[1] = current.words[1];
		ctx->user_ip6[2] = current.words[2];
		ctx->user_ip6[3] = current.words[3];
	}
	return 1; /* always allow: this program only redirects, it never blocks */
}

static __always_inline int redirect4(struct bpf_sock_addr *ctx, int hook)
{
	struct address destination = mapped_ipv4(ctx->user_ip4);
	struct address current;
	/* An IPv4 socket can only be sent to an IPv4 address: the loader refuses cross-family entries. */
	if (redirect(ctx, &destination, &current, hook))
		ctx->user_ip4 = current.words[3];
	return 1;
}

/* Replies from a current address this socket was redirected to are shown as coming from the old address. */
static __always_inline int disguise_reply_source(struct bpf_sock_addr *ctx, struct address *source)
{
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return 0;
	struct socket_rewrites *pairs = bpf_sk_storage_get(&socket_rewrites, sk, 0, 0);
	if (!pairs)
		return 0;
	for (int i = 0; i < SOCKET_PAIRS; i++) {
		if (same_address(&pairs->new_addresses[i], source)) {
			*source = pairs->old_addresses[i];
			return 1;
		}
	}
	return 0;
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx)
{
	return redirect6(ctx, HOOK_CONNECT);
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx)
{
	return redirect6(ctx, HOOK_SENDMSG);
}

SEC("cgroup/recvmsg6")
int recvmsg6(struct bpf_sock_addr *ctx)
{
	struct address source = { .words = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
					      ctx->user_ip6[3] } };
	if (disguise_reply_source(ctx, &source)) {
		ctx->user_ip6[0] = source.words[0];
		ctx->user_ip6[1] = source.words[1];
		ctx->user_ip6[2] = source.words[2];
		ctx->user_ip6[3] = source.words[3];
	}
	return 1;
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	return redirect4(ctx, HOOK_CONNECT);
}

SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx)
{
	return redirect4(ctx, HOOK_SENDMSG);
}

SEC("cgroup/recvmsg4")
int recvmsg4(struct bpf_sock_addr *ctx)
{
	struct address source = mapped_ipv4(ctx->user_ip4);
	if (disguise_reply_source(ctx, &source))
		ctx->user_ip4 = source.words[3];
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
