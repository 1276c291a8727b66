// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_alloc.c - "pasidctl alloc" (group or global ENQCMD intent, exact
 * value, hold it while a command runs), "free" and "extend".
 *
 * The owner of a PASID is the pasidctl process's context: it is freed when
 * pasidctl exits, so a PASID outlives this command only while COMMAND runs.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pasidctl.h"

struct alloc_args {
	const char *rids;
	bool global;
	bool exact;
	uint32_t value;
	const char *env;
};

static int alloc_opt(struct pctl *g, int c, const char *arg, void *data)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("alloc");
	struct alloc_args *a = data;
	const char *p;

	(void)g;
	switch (c) {
	case 'r':
		if (a->rids)
			return pctl_usage(cmd, "--rids given twice");
		a->rids = arg;
		return 0;
	case 'g':
		a->global = true;
		return 0;
	case 'x':
		if (parse_pasid(arg, &a->value))
			return pctl_usage(cmd, "--exact %s: a PASID is 1..%u", arg,
					  PASID_LIMIT - 1);
		a->exact = true;
		return 0;
	case 'e':
		if (!*arg || isdigit((unsigned char)*arg))
			return pctl_usage(cmd, "--env '%s' is not a variable name", arg);
		for (p = arg; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return pctl_usage(cmd, "--env '%s' is not a variable name", arg);
		a->env = arg;
		return 0;
	}
	return pctl_usage(cmd, "unexpected option");
}

static volatile sig_atomic_t child_pid;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

/* Run @argv with the PASID in the environment; return its exit status. */
static int run_command(struct pctl *g, const struct alloc_args *a, uint32_t pasid, char **argv)
{
	struct sigaction sa = { .sa_handler = forward_signal }, old_int, old_term;
	sigset_t block, old_mask;
	char val[16];
	int status = 0;
	pid_t pid;

	snprintf(val, sizeof(val), "%u", pasid);
	fflush(stdout);
	fflush(stderr);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	/* no signal between fork() and child_pid being set goes unforwarded */
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		return pctl_err(g, argv[0], err, "cannot start: fork: %s", strerror(err));
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		if (setenv(a->env ? a->env : "PASID", val, 1)) {
			fprintf(stderr, "pasidctl: %s: setenv: %s\n", argv[0], strerror(errno));
			_exit(126);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "pasidctl: %s: cannot run: %s\n", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	child_pid = pid;
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 1 << 8;
			break;
		}
	}
	child_pid = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	info(g, "%s exited (status %d); releasing PASID %u", argv[0], status, pasid);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_FAIL;
}

int cmd_alloc(struct pctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rids", required_argument, NULL, 'r' },
		{ "global-enqcmd", no_argument, NULL, 'g' },
		{ "exact", required_argument, NULL, 'x' },
		{ "env", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pctl_cmd *cmd = pctl_find_cmd("alloc");
	uint32_t rids[PASID_MAX_GROUP_RIDS], pasid = 0;
	struct alloc_args a = { 0 };
	char object[64], rid[PASID_RID_STRLEN];
	size_t nr = 0, i;
	int rc, first;

	rc = pctl_parse(g, cmd, argc, argv, "r:gx:e:", longopts, alloc_opt, &a, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (!!a.rids == a.global)
		return pctl_usage(cmd, "give exactly one of --rids A,B and --global-enqcmd");
	if (first < argc && strcmp(argv[first - 1], "--"))
		return pctl_usage(cmd, "unexpected argument '%s' (put a command after '--')",
				  argv[first]);
	if (a.env && first >= argc)
		return pctl_usage(cmd, "--env needs a COMMAND after '--'");
	rc = pctl_open(g);
	if (rc)
		return rc;
	if (a.rids) {
		rc = parse_rid_list(g->ctx, a.rids, rids, PASID_MAX_GROUP_RIDS, &nr);
		if (rc == -E2BIG)
			return pctl_usage(cmd, "--rids: more than %u RIDs", PASID_MAX_GROUP_RIDS);
		if (rc)
			return pctl_usage(cmd, "--rids '%s': not a list of PCI addresses "
					  "(0000:6a:01.0) or device names of this platform",
					  a.rids);
	}
	pctl_banner(g);
	pasid = a.value;
	if (a.global) {
		snprintf(object, sizeof(object), "global ENQCMD PASID");
		rc = pasid_alloc_global_enqcmd(g->ctx, a.exact ? PASID_ALLOC_EXACT : 0, &pasid);
	} else {
		snprintf(object, sizeof(object), "group PASID on %s", a.rids);
		rc = pasid_alloc_for_rids(g->ctx, rids, nr, a.exact ? PASID_ALLOC_EXACT : 0,
					  &pasid);
	}
	if (rc) {
		if (a.exact)
			snprintf(object + strlen(object), sizeof(object) - strlen(object),
				 " (exact %u)", a.value);
		return pctl_err_ctx(g, object, rc, "cannot allocate");
	}
	if (g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "pasid", ju(pasid));
		json_object_object_add(o, "intent", js(a.global ? "global-enqcmd" : "group"));
		json_object_object_add(o, "rids", jrids(rids, (uint32_t)nr));
		json_object_object_add(o, "exact", jb(a.exact));
		json_object_object_add(o, "held_for", js(first < argc ? argv[first] : ""));
		json_object_object_add(pctl_doc(g), "allocation", o);
	} else if (g->quiet) {
		printf("%u\n", pasid);
	} else {
		out(g, "PASID %u allocated, intent %s", pasid,
		    a.global ? "global-enqcmd" : "group");
		if (!a.global) {
			out(g, " on ");
			for (i = 0; i < nr; i++)
				out(g, "%s%s", i ? ", " : "", rid_str(rids[i], rid));
		} else {
			out(g, " (reserved on every RID)");
		}
		out(g, ".\n");
		if (first < argc)
			out(g, "Holding it while '%s' runs (%s=%u).\n", argv[first],
			    a.env ? a.env : "PASID", pasid);
		else
			out(g, "Released when pasidctl exits "
			       "(run a command after '--' to hold it).\n");
	}
	if (first >= argc)
		return EXIT_OK;
	if (g->json) {	/* the document is complete: print it before COMMAND writes */
		printf("%s\n", json_object_to_json_string_ext(g->doc, JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(g->doc);
		g->doc = NULL;
	}
	return run_command(g, &a, pasid, argv + first);
}

int cmd_free(struct pctl *g, int argc, char **argv)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("free");
	char object[32];
	uint32_t pasid;
	int rc, first;

	rc = pctl_parse(g, cmd, argc, argv, "", NULL, NULL, NULL, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first + 1 != argc)
		return pctl_usage(cmd, first >= argc ? "missing PASID" : "too many arguments");
	if (parse_pasid(argv[first], &pasid))
		return pctl_usage(cmd, "'%s' is not a PASID (1..%u)", argv[first], PASID_LIMIT - 1);
	rc = pctl_open(g);
	if (rc)
		return rc;
	snprintf(object, sizeof(object), "PASID %u", pasid);
	rc = pasid_free(g->ctx, pasid);
	if (rc)
		return pctl_err_ctx(g, object, rc, "cannot free");
	if (g->json)
		json_object_object_add(pctl_doc(g), "freed", ju(pasid));
	out(g, "PASID %u freed.\n", pasid);
	return EXIT_OK;
}

int cmd_extend(struct pctl *g, int argc, char **argv)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("extend");
	char object[64], rs[PASID_RID_STRLEN];
	uint32_t pasid, rid;
	int rc, first;

	rc = pctl_parse(g, cmd, argc, argv, "", NULL, NULL, NULL, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first + 2 != argc)
		return pctl_usage(cmd, first + 2 > argc ? "need PASID and RID"
						       : "too many arguments");
	if (parse_pasid(argv[first], &pasid))
		return pctl_usage(cmd, "'%s' is not a PASID (1..%u)", argv[first], PASID_LIMIT - 1);
	if (!rid_syntax_ok(argv[first + 1]) && !isalpha((unsigned char)argv[first + 1][0]))
		return pctl_usage(cmd, "'%s' is not a RID (0000:6a:01.0) or device name",
				  argv[first + 1]);
	rc = pctl_open(g);
	if (rc)
		return rc;
	if (parse_rid(g->ctx, argv[first + 1], &rid))
		return pctl_usage(cmd, "'%s' is not a RID or device of this platform",
				  argv[first + 1]);
	snprintf(object, sizeof(object), "PASID %u on %s", pasid, rid_str(rid, rs));
	rc = pasid_extend(g->ctx, pasid, rid);
	if (rc)
		return pctl_err_ctx(g, object, rc, "cannot extend");
	if (g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "pasid", ju(pasid));
		json_object_object_add(o, "rid", jrid(rid));
		json_object_object_add(pctl_doc(g), "extended", o);
	}
	out(g, "PASID %u extended to %s.\n", pasid, rs);
	return EXIT_OK;
}
