// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_alloc.c - "pasidctl alloc" (group or global ENQCMD intent, exact
 * value, hold it while a command runs), "free" and "extend".
 *
 * The owner of a PASID is the pasidctl process's context: it is freed when
 * pasidctl exits. A PASID outlives one command only while a pasidctl holds
 * it (--hold, or while COMMAND runs); "free" and "extend" ask that holder
 * (holder.c), since no other process may change what it owns.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "holder.h"
#include "pasidctl.h"

struct alloc_args {
	const char *rids;
	bool global;
	bool exact;
	uint32_t value;
	const char *env;
	bool hold;
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
	case 'H':
		a->hold = true;
		return 0;
	}
	return pctl_usage(cmd, "unexpected option");
}

static volatile sig_atomic_t child_pid, stop_signal;

static void on_signal(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);	/* COMMAND decides; pasidctl follows it */
	else
		stop_signal = sig;
}

static void on_child(int sig)
{
	(void)sig;	/* only wakes ppoll() */
}

/*
 * Hold @pasid: serve free/extend requests on the holder socket until
 * COMMAND (@argv) exits, or, without one, until a signal or until a request
 * freed it. Signals stay blocked except inside ppoll(), so none is lost
 * between a check and the wait. Return pasidctl's exit status.
 */
static int hold(struct pctl *g, const struct alloc_args *a, uint32_t pasid, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }, sc = { .sa_handler = on_child };
	struct sigaction old[4];
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	struct holder h;
	struct pollfd pfd;
	sigset_t block, old_mask;
	char val[16];
	int status = 0, rc = EXIT_OK, err;
	pid_t pid = 0;
	size_t i;

	snprintf(val, sizeof(val), "%u", pasid);
	sigemptyset(&sa.sa_mask);
	sigemptyset(&sc.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < 4; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], sigs[i] == SIGCHLD ? &sc : &sa, &old[i]);
	holder_start(g, &h, pasid);
	fflush(stdout);
	fflush(stderr);
	if (argv) {
		pid = fork();
		if (pid < 0) {
			err = errno;
			rc = pctl_err(g, argv[0], err, "cannot start: fork: %s", strerror(err));
			goto out;
		}
		if (pid == 0) {
			for (i = 0; i < 4; i++)
				sigaction(sigs[i], &old[i], NULL);
			sigprocmask(SIG_SETMASK, &old_mask, NULL);
			if (setenv(a->env ? a->env : "PASID", val, 1) ||
			    (h.fd >= 0 && setenv("PASIDCTL_HOLDER", h.path, 1))) {
				fprintf(stderr, "pasidctl: %s: setenv: %s\n", argv[0], strerror(errno));
				_exit(126);
			}
			execvp(argv[0], argv);
			fprintf(stderr, "pasidctl: %s: cannot run: %s\n", argv[0], strerror(errno));
			_exit(errno == ENOENT ? 127 : 126);
		}
		child_pid = pid;
	}
	for (;;) {
		if (pid > 0) {
			pid_t r = waitpid(pid, &status, WNOHANG);

			if (r == pid || (r < 0 && errno != EINTR)) {
				if (r < 0)
					status = 1 << 8;
				break;
			}
		} else if (stop_signal || !h.held) {
			break;
		}
		pfd.fd = h.fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (ppoll(&pfd, h.fd >= 0 ? 1 : 0, NULL, &old_mask) > 0 && (pfd.revents & POLLIN))
			holder_serve(g, &h);
	}
	child_pid = 0;
	holder_stop(&h);	/* before any output: a closed stdout must not leave it */
	if (pid > 0) {
		info(g, "%s exited (status %d); releasing PASID %u", argv[0], status, pasid);
		rc = WIFEXITED(status) ? WEXITSTATUS(status)
		     : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : EXIT_FAIL;
	} else if (!h.held) {
		out(g, "PASID %u was freed by 'pasidctl free'; nothing left to hold.\n", pasid);
	} else {
		char object[32];

		snprintf(object, sizeof(object), "PASID %u", pasid);
		err = pasid_free(g->ctx, pasid);
		if (err)
			rc = pctl_err_ctx(g, object, err, "cannot release");
		else
			out(g, "PASID %u released (%s).\n", pasid, strsignal(stop_signal));
	}
out:
	holder_stop(&h);
	for (i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return rc;
}

int cmd_alloc(struct pctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rids", required_argument, NULL, 'r' },
		{ "global-enqcmd", no_argument, NULL, 'g' },
		{ "exact", required_argument, NULL, 'x' },
		{ "env", required_argument, NULL, 'e' },
		{ "hold", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pctl_cmd *cmd = pctl_find_cmd("alloc");
	uint32_t rids[PASID_MAX_GROUP_RIDS], pasid = 0;
	struct alloc_args a = { 0 };
	char object[64], rid[PASID_RID_STRLEN];
	size_t nr = 0, i;
	int rc, first;

	rc = pctl_parse(g, cmd, argc, argv, "r:gx:e:H", longopts, alloc_opt, &a, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (!!a.rids == a.global)
		return pctl_usage(cmd, "give exactly one of --rids A,B and --global-enqcmd");
	if (first < argc && strcmp(argv[first - 1], "--"))
		return pctl_usage(cmd, "unexpected argument '%s' (put a command after '--')",
				  argv[first]);
	if (a.env && first >= argc)
		return pctl_usage(cmd, "--env needs a COMMAND after '--'");
	if (a.hold && first < argc)
		return pctl_usage(cmd, "--hold or '-- COMMAND', not both (with COMMAND the PASID "
				  "is held while it runs)");
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
		json_object_object_add(o, "held_for", js(first < argc ? argv[first] :
							 a.hold ? "signal" : ""));
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
		else if (a.hold)
			out(g, "Holding it until SIGINT, SIGTERM or SIGHUP, or 'pasidctl %sfree "
			    "%u'.\n", pctl_is_sim(g) ? "--sim " : "", pasid);
		else
			out(g, "Released when pasidctl exits "
			       "(--hold, or a command after '--', holds it).\n");
	}
	if (first >= argc && !a.hold)
		return EXIT_OK;
	if (g->json) {	/* the document is complete: print it before COMMAND writes */
		printf("%s\n", json_object_to_json_string_ext(g->doc, JSON_C_TO_STRING_PRETTY |
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(g->doc);
		g->doc = NULL;
	}
	return hold(g, &a, pasid, first < argc ? argv + first : NULL);
}

/*
 * Errors of free and extend: the holder's answer, or why no holder could
 * answer. No holder of @pasid is ENOENT: this pasidctl holds nothing itself.
 */
static int holder_result(struct pctl *g, const char *object, int err,
			 const struct holder_answer *ans)
{
	if (err == -ESRCH)
		return pctl_err(g, object, ENOENT, "no pasidctl of this user holds it on the %s "
				"backend (hold one with 'pasidctl alloc ... --hold' or "
				"'alloc ... -- COMMAND')", pctl_is_sim(g) ? "SIMULATED" : "kernel");
	if (err == -ENOTUNIQ)
		return pctl_err(g, object, err, "%s", ans->detail);
	if (err)
		return pctl_err(g, object, err, "cannot reach the holders: %s", ans->detail);
	if (ans->err)
		return pctl_err(g, ans->object, ans->err, "%s", ans->detail);
	return EXIT_OK;
}

struct holder_opts {
	const struct pctl_cmd *cmd;
	int pid;
};

static int holder_opt(struct pctl *g, int c, const char *arg, void *data)
{
	struct holder_opts *o = data;
	uint64_t v;

	(void)g;
	if (c != 'p' || parse_u64(arg, 0x7fffffff, &v) || !v)
		return pctl_usage(o->cmd, "--holder '%s': not a process id", arg);
	o->pid = (int)v;
	return 0;
}

static const struct option holder_longopts[] = {
	{ "holder", required_argument, NULL, 'p' },
	{ NULL, 0, NULL, 0 },
};

int cmd_free(struct pctl *g, int argc, char **argv)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("free");
	struct holder_answer ans;
	char object[32];
	uint32_t pasid;
	struct holder_opts ho = { .cmd = cmd };
	int rc, first;

	rc = pctl_parse(g, cmd, argc, argv, "p:", holder_longopts, holder_opt, &ho, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first + 1 != argc)
		return pctl_usage(cmd, first >= argc ? "missing PASID" : "too many arguments");
	if (parse_pasid(argv[first], &pasid))
		return pctl_usage(cmd, "'%s' is not a PASID (1..%u)", argv[first], PASID_LIMIT - 1);
	snprintf(object, sizeof(object), "PASID %u", pasid);
	rc = holder_result(g, object, holder_call(g, "free", pasid, NULL, ho.pid, &ans), &ans);
	if (rc)
		return rc;
	if (g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "pasid", ju(pasid));
		json_object_object_add(o, "holder_pid", ju((uint64_t)ans.pid));
		json_object_object_add(o, "simulated", jb(g->sim));
		json_object_object_add(pctl_doc(g), "freed", o);
	}
	out(g, "PASID %u freed by its holder, pasidctl pid %d%s.\n", pasid, ans.pid,
	    g->sim ? " (SIMULATED platform)" : "");
	return EXIT_OK;
}

int cmd_extend(struct pctl *g, int argc, char **argv)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("extend");
	struct holder_answer ans;
	const char *r;
	char object[96];
	uint32_t pasid;
	struct holder_opts ho = { .cmd = cmd };
	int rc, first;

	rc = pctl_parse(g, cmd, argc, argv, "p:", holder_longopts, holder_opt, &ho, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first + 2 != argc)
		return pctl_usage(cmd, first + 2 > argc ? "need PASID and RID"
						       : "too many arguments");
	if (parse_pasid(argv[first], &pasid))
		return pctl_usage(cmd, "'%s' is not a PASID (1..%u)", argv[first], PASID_LIMIT - 1);
	r = argv[first + 1];
	if (!rid_syntax_ok(r) && (!isalpha((unsigned char)r[0]) || strlen(r) > 31 ||
				  strpbrk(r, " \t\n")))
		return pctl_usage(cmd, "'%s' is not a RID (0000:6a:01.0) or device name", r);
	snprintf(object, sizeof(object), "PASID %u on %s", pasid, r);
	/* the holder resolves the RID: a device name means its platform's device */
	rc = holder_result(g, object, holder_call(g, "extend", pasid, r, ho.pid, &ans), &ans);
	if (rc)
		return rc;
	if (g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "pasid", ju(pasid));
		json_object_object_add(o, "rid", js(strstr(ans.object, " on ") ?
						     strstr(ans.object, " on ") + 4 : r));
		json_object_object_add(o, "holder_pid", ju((uint64_t)ans.pid));
		json_object_object_add(o, "simulated", jb(g->sim));
		json_object_object_add(pctl_doc(g), "extended", o);
	}
	out(g, "%s: extended by its holder, pasidctl pid %d%s.\n", ans.object, ans.pid,
	    g->sim ? " (SIMULATED platform)" : "");
	return EXIT_OK;
}
