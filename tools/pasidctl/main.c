// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * main.c - pasidctl: global options, the command table, --version, and the
 * one JSON document printed at exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pasidctl.h"

static const struct pctl_cmd commands[] = {
	{ "doctor", "check this machine for PASIDs and work submission; name each fix",
	  cmd_doctor, "",
	  "Check everything PASIDs and work submission need on this machine; say what is missing\n"
	  "and how to fix it, and which submission paths can work: shared WQ + ENQCMD, dedicated\n"
	  "WQ + MOVDIR64B, write(2). Exit status 0 when at least one can, 1 when none can.",
	  "  --sysroot DIR   read /proc, /sys, /boot and /dev below DIR (testing aid;\n"
	  "                  also PASIDCTL_SYSROOT)\n" },
	{ "devices", "PASID-capable PCI functions and DSA/IAA work queues", cmd_devices, "",
	  "PASID-capable PCI functions and DSA/IAA work queues, with the reason a WQ is not\n"
	  "usable.",
	  "" },
	{ "list", "every PASID allocation", cmd_list, "",
	  "Every PASID allocation this caller may see (all of them on the SIMULATED platform or "
	  "with\nCAP_SYS_ADMIN; else your own).", "" },
	{ "rids", "every RID with its PASID width", cmd_rids,
	  "[--mock-add RID,... [--width N] | --mock-remove RID,...]",
	  "Every RID (PCI function) the allocator knows, with its PASID width.",
	  "      --mock-add RIDS     first add these mock RIDs (SIMULATED platform, or\n"
	  "                          pasid.ko loaded with mock=1; for tests)\n"
	  "      --width N           their PASID width, 1..20 (default 20)\n"
	  "      --mock-remove RIDS  first unplug these mock RIDs\n" },
	{ "alloc", "allocate a PASID (group or global ENQCMD); hold it", cmd_alloc,
	  "(--rids A,B | --global-enqcmd) [--exact N] [--hold | [--env NAME] -- COMMAND...]",
	  "Allocate a PASID and print it. With --hold, hold it until SIGINT, SIGTERM or SIGHUP,\n"
	  "or until 'pasidctl free' frees it. With COMMAND, hold it while COMMAND runs (the\n"
	  "PASID is in $PASID) and exit with COMMAND's status. Else it is released when\n"
	  "pasidctl exits. A holder serves 'free' and 'extend' of its PASID to the same user.",
	  "  -r, --rids A,B        group intent: valid on exactly these RIDs (PCI addresses\n"
	  "                        like 0000:6a:01.0, or device names like dsa0)\n"
	  "  -g, --global-enqcmd   global ENQCMD intent: reserved on every RID\n"
	  "  -x, --exact N         this value or a precise error\n"
	  "  -H, --hold            hold it until a signal or 'pasidctl free'\n"
	  "  -e, --env NAME        environment variable for COMMAND (default PASID)\n" },
	{ "free", "free a PASID a pasidctl holder of this user holds", cmd_free,
	  "[--holder PID] PASID",
	  "Free a PASID held by 'pasidctl alloc --hold' or 'alloc -- COMMAND' of this user (the\n"
	  "holder frees it: only the owner, its open /dev/pasid file, may).",
	  "  -p, --holder PID      the holder with this pid (disjoint groups may share a\n"
	  "                        value; default: the only holder, or $PASIDCTL_HOLDER)\n" },
	{ "extend", "add a RID to a group PASID a pasidctl holder holds", cmd_extend,
	  "[--holder PID] PASID RID",
	  "Add a RID to a group PASID held by 'pasidctl alloc --hold' or 'alloc -- COMMAND' of\n"
	  "this user; the holder resolves a device name on its platform.",
	  "  -p, --holder PID      the holder with this pid (as for free)\n" },
	{ "monitor", "print allocator events until interrupted", cmd_monitor,
	  "[--count N] [--timeout SECONDS]",
	  "Print allocator events (alloc, free, extend, attach, ...) until interrupted.",
	  "  -n, --count N         stop after N events\n"
	  "  -t, --timeout SEC     stop after SEC seconds (decimals allowed)\n" },
	{ "submit", "run descriptors through a work queue; latency summary", cmd_submit,
	  "--wq NAME --op OP [--size N] [--count N]",
	  "Run descriptors through a work queue and check the results; print ops, bytes, latency\n"
	  "percentiles and retries.",
	  "  -w, --wq NAME         work queue: dsa0/wq0.0, wq0.0 or /dev/dsa/wq0.0\n"
	  "  -o, --op OP           memmove, fill, compare, crc or noop (default memmove)\n"
	  "  -s, --size N          bytes per descriptor, K/M/G suffixes (default 4K)\n"
	  "  -c, --count N         descriptors (default 1)\n"
	  "      --no-mmap         submit with write(2), not the mmap'd portal\n"
	  "      --sim-fault       with --sim: a page of each buffer faults; pasidctl continues\n"
	  "                        the descriptor (pasid_wq_fault_continue) and counts it\n" },
	{ "demo", "the libpasid story on the SIMULATED platform", cmd_demo, "",
	  "The libpasid story on the SIMULATED platform: a group PASID, the global ENQCMD "
	  "PASID, an\n"
	  "extension that must fail and why, a shared and a dedicated WQ moving data.", "" },
	{ "grant", "print or install the udev rule for a group", cmd_grant,
	  "--group NAME [--install]",
	  "Print (or install) the udev rule that gives a group access to /dev/pasid, "
	  "/dev/dsa/* and\n"
	  "/dev/iax/*.",
	  "  -G, --group NAME      the group to grant access to\n"
	  "      --install         write the rule to /etc/udev/rules.d/70-pasid-NAME.rules\n"
	  "      --rules-dir DIR   write it to DIR instead (with --install)\n" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct pctl_cmd *pctl_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void main_help(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: pasidctl [--sim [--topology FILE]] [--json] [-q] [-v] COMMAND [ARGS]\n"
		   "       pasidctl -h | --help | --version\n\nCommands:\n");
	for (i = 0; i < NR_COMMANDS; i++) {
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].brief);
	}
	fprintf(f, "\nRun 'pasidctl COMMAND --help' for a command's options. "
		   "Without --sim pasidctl\n"
		   "uses the pasid.ko shim (/dev/pasid); --sim uses the SIMULATED platform.\n"
		   "Exit status: 0 ok, 1 failure, 2 usage error. See pasidctl(1).\n");
}

static void print_doc(struct pctl *g)
{
	const char *s;

	if (!g->json || !g->doc)
		return;
	s = json_object_to_json_string_ext(g->doc, JSON_C_TO_STRING_PRETTY |
						   JSON_C_TO_STRING_SPACED |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s)
		printf("%s\n", s);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "sim", no_argument, NULL, OPT_SIM },
		{ "topology", required_argument, NULL, OPT_TOPOLOGY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	struct pctl g = { 0 };
	const struct pctl_cmd *cmd;
	int c, rc;

	g.color = isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
	g.tty_err = isatty(STDERR_FILENO);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hqv", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			main_help(stdout);
			return EXIT_OK;
		case OPT_VERSION:
			printf("%s\n", pasid_version());
			return EXIT_OK;
		case '?':
			if (optopt && optopt < 0x100)
				return pctl_usage(NULL, "unknown option '-%c'", optopt);
			return pctl_usage(NULL, "unknown option '%s'", argv[optind - 1]);
		case ':':
			return pctl_usage(NULL, "option '%s' needs a value", argv[optind - 1]);
		default:
			pctl_global_opt(&g, c, optarg);
		}
	}
	if (optind >= argc) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	cmd = pctl_find_cmd(argv[optind]);
	if (!cmd)
		return pctl_usage(NULL, "unknown command '%s'", argv[optind]);
	if (g.json)
		g.color = false;
	rc = cmd->run(&g, argc - optind, argv + optind);
	if (rc != EXIT_USAGE)
		print_doc(&g);
	json_object_put(g.doc);
	pctl_close(&g);
	fflush(stdout);
	return rc;
}
