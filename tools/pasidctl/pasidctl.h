/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pasidctl.h - what the pasidctl command files share: global options, the
 * command table, argument parsing, output (tables, JSON, colour, errors).
 *
 * pasidctl uses only the public libpasid API (<libpasid/pasid.h>).
 */
#ifndef PASIDCTL_H
#define PASIDCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>	/* --sim mock RIDs and injected faults */

/* Exit codes (documented in pasidctl(1)). */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/* Global options and state of one invocation. */
struct pctl {
	bool json;
	bool sim;
	bool color;		/* stdout is a terminal and NO_COLOR is unset */
	bool tty_err;		/* stderr is a terminal (progress bars) */
	int quiet;
	int verbose;
	const char *topology;	/* --topology FILE (with --sim) */
	struct pasid_ctx *ctx;	/* opened by pctl_open() */
	json_object *doc;	/* the --json document being built */
};

struct pctl_cmd {
	const char *name;
	const char *brief;	/* one line for the command list */
	int (*run)(struct pctl *g, int argc, char **argv);
	const char *args;	/* synopsis after the command name */
	const char *summary;
	const char *help;	/* option lines for --help */
};

/* Commands (one file each). */
int cmd_doctor(struct pctl *g, int argc, char **argv);
int cmd_devices(struct pctl *g, int argc, char **argv);
int cmd_list(struct pctl *g, int argc, char **argv);
int cmd_rids(struct pctl *g, int argc, char **argv);
int cmd_alloc(struct pctl *g, int argc, char **argv);
int cmd_free(struct pctl *g, int argc, char **argv);
int cmd_extend(struct pctl *g, int argc, char **argv);
int cmd_monitor(struct pctl *g, int argc, char **argv);
int cmd_submit(struct pctl *g, int argc, char **argv);
int cmd_demo(struct pctl *g, int argc, char **argv);
int cmd_grant(struct pctl *g, int argc, char **argv);

const struct pctl_cmd *pctl_find_cmd(const char *name);
/* The allocation table (cmd_list.c), or "allocations" in the JSON document. */
int pctl_print_allocs(struct pctl *g, const char *indent);

/* ---- argument parsing (args.c) ------------------------------------------ */

/*
 * Parse a command's options; the global options (--json, --sim, -q, -v,
 * --topology, -h) are accepted after the command name too. @handle gets
 * every command option; it returns 0, or EXIT_USAGE after pctl_usage().
 * Return: 0 and *@ret_optind, 1 when --help was printed (exit 0), or
 * EXIT_USAGE.
 */
typedef int (*pctl_opt_fn)(struct pctl *g, int c, const char *arg, void *data);
int pctl_parse(struct pctl *g, const struct pctl_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts, pctl_opt_fn handle,
	       void *data, int *ret_optind);
int pctl_global_opt(struct pctl *g, int c, const char *arg);
extern const struct option pctl_global_longopts[];
#define PCTL_GLOBAL_SHORTOPTS "hqv"
/* getopt values of the long-only global options */
enum { OPT_JSON = 0x100, OPT_SIM, OPT_TOPOLOGY, OPT_VERSION, OPT_CMD_BASE = 0x200 };

/* Print "pasidctl CMD: message" and a hint to --help; return EXIT_USAGE. */
int pctl_usage(const struct pctl_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pctl_print_help(const struct pctl_cmd *cmd);

int parse_u64(const char *s, uint64_t max, uint64_t *ret);
/* "4096", "4K", "4KiB", "2M", "1G" (powers of 1024) */
int parse_size(const char *s, uint64_t max, uint64_t *ret);
/* a PASID 1..2^20-1, decimal or 0x hex */
int parse_pasid(const char *s, uint32_t *ret);
/* "0000:6a:01.0", "6a:01.0" or a device name ("dsa0") of @ctx's platform */
int parse_rid(struct pasid_ctx *ctx, const char *s, uint32_t *ret);
/* "A,B,C": at most @max RIDs */
int parse_rid_list(struct pasid_ctx *ctx, const char *s, uint32_t *rids, size_t max,
		   size_t *ret_n);
/* parse_rid() without a context: PCI address syntax only. */
bool rid_syntax_ok(const char *s);

/* ---- context (ctx.c) ------------------------------------------------------ */

/* Open the backend the options ask for; on failure print why (EXIT_FAIL). */
int pctl_open(struct pctl *g);
void pctl_close(struct pctl *g);
bool pctl_is_sim(const struct pctl *g);
/* "SIMULATED platform (built-in topology)" banner on sim, for human output. */
void pctl_banner(struct pctl *g);
const char *rid_str(uint32_t rid, char buf[static PASID_RID_STRLEN]);
/* "dsa0" for a device's RID on this platform, "" if none */
const char *rid_device_name(struct pasid_ctx *ctx, uint32_t rid, char *buf, size_t len);

/* ---- output (output.c) ---------------------------------------------------- */

enum pctl_color { C_NONE, C_OK, C_WARN, C_FAIL, C_BOLD, C_DIM };
const char *col(const struct pctl *g, enum pctl_color c);
const char *col_end(const struct pctl *g);

void out(const struct pctl *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void info(const struct pctl *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Errors: "pasidctl: OBJECT: WHAT: DETAIL (ENAME)" on stderr. The _ctx form
 * takes the detail from pasid_ctx_last_error(). Return EXIT_FAIL.
 */
int pctl_err(struct pctl *g, const char *object, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int pctl_err_ctx(struct pctl *g, const char *object, int err, const char *what);
/* "WHAT: DETAIL" of the last library error, without what OBJECT/WHAT already say. */
const char *pctl_detail(const struct pctl *g, const char *object, const char *what, int err,
			char *buf, size_t len);
const char *errno_name(int err);

/* JSON: the document (created on first use), printed by main() at exit. */
json_object *pctl_doc(struct pctl *g);
void pctl_json_error(struct pctl *g, const char *object, int err, const char *message);
json_object *js(const char *s);
json_object *ju(uint64_t v);
json_object *ji(int64_t v);
json_object *jb(bool v);
json_object *jrid(uint32_t rid);
json_object *jrids(const uint32_t *rids, uint32_t n);

/* Aligned tables. */
#define TABLE_MAX_COLS 12
struct table {
	int ncols;
	const char *head[TABLE_MAX_COLS];
	bool right[TABLE_MAX_COLS];
	size_t nrows, cap;
	char **cells;		/* nrows * ncols strdup'ed cells */
	bool oom;
};
void table_init(struct table *t, int ncols, ...);	/* headers; "+NAME" right-aligns */
void table_row(struct table *t, ...);			/* ncols strings */
void table_print(const struct pctl *g, struct table *t, const char *indent);
void table_free(struct table *t);

/* "4 KiB", "2 MiB", "1.5 GiB" */
const char *fmt_bytes(uint64_t v, char *buf, size_t len);
/* "850 ns", "12.4 us", "3.1 ms", "1.20 s" */
const char *fmt_ns(uint64_t ns, char *buf, size_t len);

#endif /* PASIDCTL_H */
