/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpasid - PASIDs by intent.
 *
 * A PASID is scoped per RID in hardware, but ENQCMD sends one value to every
 * device. libpasid makes callers say which scope they need:
 *   pasid_alloc_for_rids()       valid on exactly these RIDs (a value may be
 *                                reused on a disjoint group at the same time)
 *   pasid_alloc_global_enqcmd()  reserved on every RID, now and after hot-plug:
 *                                the value for IA32_PASID and ENQCMD
 * and PASID_ALLOC_EXACT asks for one value or a precise error.
 *
 * Conventions: every function returning int gives >= 0 on success and a
 * negative errno on failure; pasid_ctx_last_error() then says why (which RID,
 * which PASID, held by whom). Output parameters are named ret_*.
 *
 * Backends are chosen explicitly, never silently: "kernel" (the default) uses
 * /dev/pasid from the pasid.ko shim; "sim" is an in-process SIMULATED platform
 * (LIBPASID_BACKEND=sim), labelled simulated wherever it reports anything.
 *
 * Threading: see docs/threading.md. A context serialises its own calls.
 */
#ifndef LIBPASID_PASID_H
#define LIBPASID_PASID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest PASID width and the first value that never fits. */
#define PASID_WIDTH_MAX		20
#define PASID_LIMIT		(1u << PASID_WIDTH_MAX)
/** Most RIDs one group allocation may name. */
#define PASID_MAX_GROUP_RIDS	1024

/** pasid_alloc_*() flags */
#define PASID_ALLOC_EXACT	(1u << 0)	/* *ret_pasid is the value wanted */

/** Allocation intents, as reported by the list calls. */
enum pasid_intent {
	PASID_INTENT_GROUP = 1,
	PASID_INTENT_GLOBAL_ENQCMD = 2,
};

enum pasid_backend {
	PASID_BACKEND_DEFAULT = 0,	/* LIBPASID_BACKEND, else kernel */
	PASID_BACKEND_KERNEL = 1,
	PASID_BACKEND_SIM = 2,
};

struct pasid_ctx;

/**
 * struct pasid_ctx_opts - options for pasid_ctx_new()
 * @size: sizeof(struct pasid_ctx_opts), for extension
 * @backend: enum pasid_backend
 * @sim_topology: sim only: JSON topology file, NULL for LIBPASID_SIM_TOPOLOGY
 *	or the built-in default platform
 * @flags: must be 0
 */
struct pasid_ctx_opts {
	uint32_t size;
	uint32_t backend;
	const char *sim_topology;
	uint64_t flags;
};

/**
 * pasid_ctx_new() - Open a context: one owner of PASIDs.
 * @opts: options, or NULL for the defaults (backend from LIBPASID_BACKEND)
 * @ret_ctx: receives the context, with one reference
 *
 * On the sim backend every context is one simulated process with its own
 * address space; all sim contexts of a program share one simulated platform.
 *
 * Return: 0; -ENODEV when the kernel shim is not loaded (no /dev/pasid);
 * -EACCES when /dev/pasid may not be opened; -EINVAL for bad options or
 * LIBPASID_BACKEND; -EBUSY when a sim platform with another topology is live;
 * topology errors (-EINVAL, -ENOENT) with the file and key in the message;
 * -EPROTO when /dev/pasid does not answer as the shim of a known ABI version;
 * -ENOMEM. The message is available through pasid_strerror_last().
 */
int pasid_ctx_new(const struct pasid_ctx_opts *opts, struct pasid_ctx **ret_ctx);

/** pasid_ctx_ref() - Take a reference. Return: @ctx. */
struct pasid_ctx *pasid_ctx_ref(struct pasid_ctx *ctx);

/**
 * pasid_ctx_unref() - Drop a reference; the last one frees every PASID the
 * context owns (detaching their bindings first). NULL-safe.
 * Return: NULL.
 */
struct pasid_ctx *pasid_ctx_unref(struct pasid_ctx *ctx);

/**
 * pasid_ctx_last_error() - Detail of the last failed call on @ctx made by
 * the calling thread (kept per thread, like errno).
 * Return: a message valid until this thread's next call on @ctx; "" if none.
 */
const char *pasid_ctx_last_error(const struct pasid_ctx *ctx);

/**
 * pasid_strerror_last() - Detail of the last pasid_ctx_new() failure in this
 * thread (there is no context to hold it). Return: a message, "" if none.
 */
const char *pasid_strerror_last(void);

/**
 * pasid_ctx_backend() - Which backend @ctx uses. Return: enum pasid_backend.
 */
int pasid_ctx_backend(const struct pasid_ctx *ctx);

/**
 * pasid_ctx_backend_name() - Human name of the backend, e.g. "kernel",
 * "kernel (mock)" or "sim (simulated)". Return: a static string.
 */
const char *pasid_ctx_backend_name(const struct pasid_ctx *ctx);

/** Flags in struct pasid_ctx_info */
#define PASID_CTX_INFO_MOCK		(1u << 0)	/* mock RIDs, mock namespace */
#define PASID_CTX_INFO_SIMULATED	(1u << 1)	/* the in-process sim */
#define PASID_CTX_INFO_GLOBAL_OK	(1u << 2)	/* the global intent can succeed */

/**
 * struct pasid_ctx_info - what a backend reports about itself
 * @size: set by the caller to sizeof(struct pasid_ctx_info)
 * @backend: enum pasid_backend
 * @flags: PASID_CTX_INFO_*
 * @abi_version: the kernel shim's ABI version; 0 on the sim
 * @min_width: narrowest RID width: a global PASID is below 2^@min_width
 * @nr_rids: RIDs known
 * @nr_owners: owners (open files, sim contexts)
 * @nr_groups: live group allocations
 * @nr_globals: live global allocations
 * @nr_values: distinct values in use
 * @source: where values come from: "ioasid", "global-ida", "mock" or
 *	"sim-bitmap"
 */
struct pasid_ctx_info {
	uint32_t size;
	uint32_t backend;
	uint32_t flags;
	uint32_t abi_version;
	uint32_t min_width;
	uint32_t nr_rids;
	uint32_t nr_owners;
	uint32_t nr_groups;
	uint32_t nr_globals;
	uint32_t nr_values;
	char source[16];
};

/**
 * pasid_ctx_get_info() - Describe @ctx's backend now.
 * @ret_info: filled up to @ret_info->size bytes (callers built against an
 *	older header pass a smaller size)
 * Return: 0; -EINVAL (NULL, or size below the first version's); -errno from
 * the kernel.
 */
int pasid_ctx_get_info(struct pasid_ctx *ctx, struct pasid_ctx_info *ret_info);

/**
 * pasid_alloc_for_rids() - Allocate a PASID valid on exactly these RIDs.
 * @ctx: context
 * @rids: requester IDs (segment << 16 | bus << 8 | devfn), no duplicates
 * @nr_rids: 1..PASID_MAX_GROUP_RIDS
 * @flags: 0, or PASID_ALLOC_EXACT to ask for *@ret_pasid itself
 * @ret_pasid: receives the PASID (and gives it, with PASID_ALLOC_EXACT)
 *
 * The value fits the narrowest RID of the group and is free on each of them.
 * Values free everywhere are preferred; a value in use on a disjoint group is
 * reused only when no such value is left.
 *
 * Return: 0; -EINVAL (flags, no RIDs, too many, duplicates, value 0 or
 * >= 2^20); -ENODEV (a RID does not exist); -ERANGE (exact value too wide for
 * a RID); -EEXIST (this context already holds the value: use pasid_extend());
 * -EBUSY (exact value in use on one of the RIDs or globally); -ENOSPC (no
 * value free on all RIDs); -ENOMEM.
 */
int pasid_alloc_for_rids(struct pasid_ctx *ctx, const uint32_t *rids, size_t nr_rids,
			 uint32_t flags, uint32_t *ret_pasid);

/**
 * pasid_alloc_global_enqcmd() - The process's PASID for ENQCMD.
 * @ctx: context
 * @flags: 0, or PASID_ALLOC_EXACT to ask for *@ret_pasid itself
 * @ret_pasid: receives the PASID
 *
 * Reserved on every RID, including RIDs added later, and fits the narrowest
 * PASID-capable RID. One value per process: a second call returns the same
 * value. Free it with pasid_free() (the kernel keeps the mm's own PASID
 * until the process exits).
 *
 * Return: 0; -EINVAL (flags, value out of range); -ERANGE (exact value too
 * wide for the narrowest RID); -EEXIST (the process holds another global
 * value); -EBUSY (exact value in use); -ENOSPC; -ENOMEM.
 */
int pasid_alloc_global_enqcmd(struct pasid_ctx *ctx, uint32_t flags, uint32_t *ret_pasid);

/**
 * pasid_extend() - Add a RID to a group allocation held by @ctx.
 *
 * Return: 0; -ENOENT (no such PASID held by @ctx); -EPERM (another owner's);
 * -EINVAL (a global PASID: it is on every RID already); -ENODEV (no such
 * RID); -EALREADY (RID already in the group); -ERANGE (value does not fit
 * the RID's width); -EBUSY (value in use on that RID); -E2BIG (group full);
 * -ENOMEM. On error nothing changed.
 */
int pasid_extend(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid);

/**
 * pasid_free() - Free a PASID held by @ctx (detaching its bindings first).
 * For the global ENQCMD PASID this drops @ctx's hold on it.
 * Return: 0; -ENOENT (not held); -EPERM (held by another owner).
 */
int pasid_free(struct pasid_ctx *ctx, uint32_t pasid);

/**
 * pasid_attach() - Bind a PASID held by @ctx on a RID (DMA tagged with it on
 * that RID is translated through @ctx's address space).
 * Return: 0; -ENOENT; -EPERM; -ENODEV (no such RID); -EINVAL (a group PASID
 * whose group does not name the RID); -ERANGE (global value too wide for the
 * RID); -EALREADY; -EOPNOTSUPP (the kernel cannot bind on this device); -ENOMEM.
 */
int pasid_attach(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid);

/** pasid_detach() - Undo pasid_attach(). Return: 0, -ENOENT, -EPERM, -ENODEV. */
int pasid_detach(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid);

/**
 * pasid_rid_parse() - Parse "0000:6a:01.0" or "6a:01.0" (segment 0).
 * Return: 0; -EINVAL for anything else (trailing text, out of range fields).
 */
int pasid_rid_parse(const char *text, uint32_t *ret_rid);

/** Size of a buffer for pasid_rid_format(), NUL included. */
#define PASID_RID_STRLEN	sizeof("ffff:ff:1f.7")

/**
 * pasid_rid_format() - Write @rid as "ssss:bb:dd.f" into @buf.
 * Return: 0; -ENOSPC if @len < PASID_RID_STRLEN.
 */
int pasid_rid_format(uint32_t rid, char *buf, size_t len);

/** Flags in struct pasid_alloc_info */
#define PASID_INFO_MINE		(1u << 0)	/* held by the querying context */
#define PASID_INFO_EXTERNAL	(1u << 1)	/* the mm's own PASID (kernel) */

/**
 * struct pasid_alloc_info - one allocation, as the list calls report it
 * @pasid: the value
 * @intent: enum pasid_intent
 * @flags: PASID_INFO_*
 * @nr_rids: entries in @rids (0 for a global)
 * @rids: the group's RIDs, sorted; valid during the callback only
 * @nr_attached: entries in @attached
 * @attached: RIDs it is bound on; valid during the callback only
 * @owner_pid: owning process (sim: the simulated process id), 0 if hidden
 * @owner_comm: its command name, "" if hidden
 */
struct pasid_alloc_info {
	uint32_t pasid;
	uint32_t intent;
	uint32_t flags;
	uint32_t nr_rids;
	const uint32_t *rids;
	uint32_t nr_attached;
	const uint32_t *attached;
	int32_t owner_pid;
	char owner_comm[16];
};

/**
 * struct pasid_rid_info - one RID
 * @rid: the RID
 * @width: PASID width
 * @nr_values: group PASIDs naming it (globals are on every RID in addition)
 * @nr_attached: bindings on it
 * @mock: 1 for a mock or simulated RID
 */
struct pasid_rid_info {
	uint32_t rid;
	uint32_t width;
	uint32_t nr_values;
	uint32_t nr_attached;
	uint32_t mock;
};

typedef int (*pasid_alloc_cb)(const struct pasid_alloc_info *info, void *data);
typedef int (*pasid_rid_cb)(const struct pasid_rid_info *info, void *data);

/**
 * pasid_list_allocs() - Call @cb for every allocation @ctx may see: all of
 * them on the sim platform; on the kernel, all with CAP_SYS_ADMIN, else the
 * caller's own (others without owner details). Ordered by value.
 * Return: 0, the first non-zero value @cb returned, or -errno.
 */
int pasid_list_allocs(struct pasid_ctx *ctx, pasid_alloc_cb cb, void *data);

/** pasid_list_rids() - Call @cb for every RID. Return: as pasid_list_allocs(). */
int pasid_list_rids(struct pasid_ctx *ctx, pasid_rid_cb cb, void *data);

/* ---- events ---------------------------------------------------------- */

enum pasid_event_type {
	PASID_EVENT_ALLOC = 1,
	PASID_EVENT_FREE,
	PASID_EVENT_EXTEND,
	PASID_EVENT_ATTACH,
	PASID_EVENT_DETACH,
	PASID_EVENT_REVOKE,
	PASID_EVENT_RID_ADD,
	PASID_EVENT_RID_REMOVE,
};

/**
 * struct pasid_event - one change
 * @type: enum pasid_event_type
 * @intent: enum pasid_intent, 0 for RID events
 * @pasid: the value, 0 for RID events
 * @rid: the RID concerned, 0 if none
 * @owner_pid: the owner concerned, 0 if none or hidden
 */
struct pasid_event {
	uint32_t type;
	uint32_t intent;
	uint32_t pasid;
	uint32_t rid;
	int32_t owner_pid;
};

typedef void (*pasid_event_cb)(const struct pasid_event *ev, void *data);

/**
 * pasid_ctx_get_event_fd() - Subscribe to events; a file descriptor to poll
 * for POLLIN. Owned by @ctx. Return: fd >= 0, or -errno.
 */
int pasid_ctx_get_event_fd(struct pasid_ctx *ctx);

/**
 * pasid_ctx_dispatch_events() - Read pending events and call @cb for each,
 * without blocking. Return: number of events delivered, or -errno: -ENOBUFS
 * when events were lost because they were not read in time (the ones still
 * queued are delivered first; list the allocations again to resynchronise).
 */
int pasid_ctx_dispatch_events(struct pasid_ctx *ctx, pasid_event_cb cb, void *data);

/** pasid_event_type_name() - "alloc", "free", ... Return: static string. */
const char *pasid_event_type_name(uint32_t type);

/** pasid_intent_name() - "group", "global-enqcmd". Return: static string. */
const char *pasid_intent_name(uint32_t intent);

/** pasid_version() - The library's version, "MAJOR.MINOR.PATCH". */
const char *pasid_version(void);

#ifdef __cplusplus
}
#endif

#include <libpasid/devices.h>	/* discovery of PASID-capable functions, DSA/IAA */
#include <libpasid/wq.h>	/* work queues: open, submit, wait */

#endif /* LIBPASID_PASID_H */
