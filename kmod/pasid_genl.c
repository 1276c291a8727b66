// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink family "pasid": dumps of allocations
 * and RIDs, and the "events" multicast group fed by the core's events.
 *
 * Visibility: every allocation and RID is listed to everyone (values and
 * RIDs are not secrets: they are the shared resource); the owner's pid (in
 * the requester's pid namespace) and comm of an allocation are included
 * only for the requester's own process, or for a requester with
 * CAP_SYS_ADMIN. The "events" group says who acted, so joining it needs
 * CAP_SYS_ADMIN (GENL_MCAST_CAP_SYS_ADMIN, 6.7 on). Older genetlink has no
 * gate on joining a group and no per-listener filter, so there the events
 * carry no owner pid at all.
 *
 * Consistency: a dump runs over several reads while allocations change;
 * every change bumps pasid_genl_gen, and a dump that saw it move marks its
 * messages NLM_F_DUMP_INTR (genl_dump_check_consistent()) so the reader
 * knows to read again.
 *
 * Requests are validated strictly (resv_start_op 0): the dumps take no
 * attribute, so each operation has the empty policy and any attribute or
 * non-zero reserved header byte is refused with EINVAL.
 */
#include <linux/capability.h>
#include <linux/sched.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "pasid_internal.h"

/* 6.7 added GENL_MCAST_CAP_SYS_ADMIN; 6.1's genl_bind() checks no flag */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define PASID_MCAST_FLAGS	GENL_MCAST_CAP_SYS_ADMIN
#define PASID_EVENT_HAS_PID	1
#else
#define PASID_MCAST_FLAGS	0
#endif

static struct genl_family pasid_genl_family;
static bool pasid_genl_ok;

/* changes since load, under pasid_lock; never 0 (a dump's "not yet seen") */
static unsigned long pasid_genl_gen = 1;

/* The owner to show for @a: its owner, or for a global the first holder. */
static const struct pasid_file *pasid_alloc_owner(const struct pcore_alloc *a)
{
	const struct pcore_owner *o;

	if (a->intent == PCORE_INTENT_GROUP)
		return pasid_file_of(a->owner);
	for (o = pasid_core.owners; o; o = o->next)
		if (o->global == a)
			return pasid_file_of(o);
	return NULL;
}

static int pasid_nl_fill_alloc(struct sk_buff *skb, struct netlink_callback *cb,
			       const struct pcore_alloc *a, bool admin)
{
	const struct pasid_file *pf = pasid_alloc_owner(a);
	const struct pcore_attach *at;
	struct nlattr *nla;
	u32 flags = 0, n, *p;
	bool own;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &pasid_genl_family, NLM_F_MULTI, PASID_NL_CMD_GET_ALLOC);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	own = pf && pf->tgid == task_tgid(current);
	if (own)
		flags |= PASID_NL_F_OWN_PROCESS;
	if (a->flags & PCORE_ALLOC_EXTERNAL)
		flags |= PASID_NL_F_EXTERNAL;
	if (pasid_mock)
		flags |= PASID_NL_F_MOCK;

	if (nla_put_u32(skb, PASID_NL_A_VALUE, a->value) ||
	    nla_put_u32(skb, PASID_NL_A_INTENT, a->intent) ||
	    nla_put_u32(skb, PASID_NL_A_FLAGS, flags))
		goto err_cancel;
	if (pasid_mock && nla_put_flag(skb, PASID_NL_A_MOCK))
		goto err_cancel;
	if (a->intent == PCORE_INTENT_GROUP) {
		if (nla_put(skb, PASID_NL_A_RIDS, a->nr * sizeof(u32), pcore_alloc_rids(a)))
			goto err_cancel;
	} else if (nla_put_u32(skb, PASID_NL_A_NR_OWNERS, a->nr)) {
		goto err_cancel;
	}
	for (n = 0, at = a->attach; at; at = at->next)
		n++;
	if (n) {
		nla = nla_reserve(skb, PASID_NL_A_ATTACHED, n * sizeof(u32));
		if (!nla)
			goto err_cancel;
		p = nla_data(nla);
		for (at = a->attach; at; at = at->next)
			*p++ = at->rid;
	}
	if (pf && (own || admin)) {
		if (nla_put_u32(skb, PASID_NL_A_OWNER_PID, pid_vnr(pf->tgid)) ||
		    nla_put_string(skb, PASID_NL_A_OWNER_COMM, pf->comm))
			goto err_cancel;
	}
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* cb->args[0]: next value; cb->args[1]: allocations of it already sent */
static int pasid_nl_dump_allocs(struct sk_buff *skb, struct netlink_callback *cb)
{
	bool admin = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	u32 v = cb->args[0] ? cb->args[0] : 1;
	unsigned long skip = cb->args[1];
	int err = 0;

	/*
	 * The call after the last message only adds NLMSG_DONE: a change
	 * after the last message tore nothing, so the generation the dump
	 * was read at stays (a dump that fits one buffer is never torn).
	 */
	if (v >= PCORE_PASID_LIMIT)
		return 0;
	mutex_lock(&pasid_lock);
	cb->seq = pasid_genl_gen;
	while (v < PCORE_PASID_LIMIT) {
		const struct pcore_alloc *a;
		unsigned long i = 0;

		/* every value in use has its hot word, whatever its form */
		if (!pasid_core.hot[v >> PCORE_IDX_SHIFT]) {
			v = ((v >> PCORE_IDX_SHIFT) + 1) << PCORE_IDX_SHIFT;
			skip = 0;
			continue;
		}
		for (a = pcore_value_first(&pasid_core, v); a; a = a->value_next, i++) {
			if (i < skip)
				continue;
			err = pasid_nl_fill_alloc(skb, cb, a, admin);
			if (err) {
				cb->args[0] = v;
				cb->args[1] = i;
				goto out;
			}
		}
		v++;
		skip = 0;
	}
	cb->args[0] = PCORE_PASID_LIMIT;
	cb->args[1] = 0;
out:
	mutex_unlock(&pasid_lock);
	/* one message larger than an empty dump buffer (cannot happen with
	 * min_dump_alloc): tell, do not spin
	 */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int pasid_nl_dump_rids(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long i = cb->args[0];
	int err = 0;

	/* cb->args[1]: every slot was sent (see pasid_nl_dump_allocs()) */
	if (cb->args[1])
		return 0;
	mutex_lock(&pasid_lock);
	cb->seq = pasid_genl_gen;
	for (; i < pasid_core.rid_cap; i++) {
		const struct pcore_rid *r = pasid_core.rid_slots[i];
		void *hdr;

		if (!r)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &pasid_genl_family, NLM_F_MULTI, PASID_NL_CMD_GET_RID);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (nla_put_u32(skb, PASID_NL_A_RID, r->id) ||
		    nla_put_u32(skb, PASID_NL_A_WIDTH, r->width) ||
		    nla_put_u32(skb, PASID_NL_A_NR_VALUES,
				pcore_rid_nr_values(&pasid_core, r)) ||
		    nla_put_u32(skb, PASID_NL_A_NR_ATTACHED, r->nr_attached) ||
		    (!r->cookie && nla_put_flag(skb, PASID_NL_A_MOCK))) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = i;
	cb->args[1] = i >= pasid_core.rid_cap;
	mutex_unlock(&pasid_lock);
	if (err && !skb->len)
		return err;
	return skb->len;
}

/**
 * pasid_genl_event() - Multicast one core event to the "events" group.
 * @ev: the event, under pasid_lock
 *
 * Every change passes here: it also ends any dump in progress's claim to
 * be consistent. Best effort: with no listener nothing is built; an
 * allocation failure loses the event (listeners see a gap, as with any
 * netlink overrun). The owner pid is in the initial pid namespace: one
 * multicast message cannot carry a pid per listener.
 */
void pasid_genl_event(const struct pcore_event *ev)
{
	const struct pasid_file *pf = pasid_file_of(ev->owner);
	struct sk_buff *skb;
	void *hdr;

	lockdep_assert_held(&pasid_lock);
	if (++pasid_genl_gen == 0)
		pasid_genl_gen = 1;
	if (!pasid_genl_ok || !genl_has_listeners(&pasid_genl_family, &init_net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &pasid_genl_family, 0, PASID_NL_CMD_EVENT);
	if (!hdr)
		goto err_free;
	if (nla_put_u32(skb, PASID_NL_A_EVENT, ev->type) ||
	    nla_put_u32(skb, PASID_NL_A_INTENT, ev->intent) ||
	    nla_put_u32(skb, PASID_NL_A_VALUE, ev->value) ||
	    nla_put_u32(skb, PASID_NL_A_RID, ev->rid) ||
	    (pasid_mock && nla_put_flag(skb, PASID_NL_A_MOCK)))
		goto err_free;
#ifdef PASID_EVENT_HAS_PID
	if (pf && nla_put_u32(skb, PASID_NL_A_OWNER_PID, pid_nr(pf->tgid)))
		goto err_free;
#else
	(void)pf;
#endif
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&pasid_genl_family, skb, 0, 0, GFP_KERNEL);
	return;

err_free:
	nlmsg_free(skb);
}

/*
 * One allocation message can carry PASID_UAPI_MAX_GROUP_RIDS RIDs (4 KiB),
 * more than the default dump buffer (NLMSG_GOODSIZE): ask netlink for dump
 * buffers big enough for any one message, so a client reading with the usual
 * MSG_PEEK/MSG_TRUNC sizing always gets it whole.
 */
static int pasid_nl_dump_allocs_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = NLMSG_GOODSIZE + PASID_UAPI_MAX_GROUP_RIDS * 2 * sizeof(u32);
	return 0;
}

static const struct genl_ops pasid_genl_ops[] = {
	{
		.cmd = PASID_NL_CMD_GET_ALLOC,
		.start = pasid_nl_dump_allocs_start,
		.dumpit = pasid_nl_dump_allocs,
	},
	{
		.cmd = PASID_NL_CMD_GET_RID,
		.dumpit = pasid_nl_dump_rids,
	},
};

static const struct genl_multicast_group pasid_genl_mcgrps[] = {
	{ .name = PASID_GENL_MCGRP_EVENTS, .flags = PASID_MCAST_FLAGS },
};

static struct genl_family pasid_genl_family __ro_after_init = {
	.name = PASID_GENL_NAME,
	.version = PASID_GENL_VERSION,
	.netnsok = false,
	.module = THIS_MODULE,
	.ops = pasid_genl_ops,
	.n_ops = ARRAY_SIZE(pasid_genl_ops),
	/* strict: no op takes attributes, so none has a policy (reject all) */
	.resv_start_op = 0,
	.mcgrps = pasid_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(pasid_genl_mcgrps),
};

/**
 * pasid_genl_init() - Register the family.
 *
 * Return: 0 or -errno.
 */
int pasid_genl_init(void)
{
	int err = genl_register_family(&pasid_genl_family);

	if (!err)
		pasid_genl_ok = true;
	return err;
}

/**
 * pasid_genl_exit() - Unregister the family.
 */
void pasid_genl_exit(void)
{
	pasid_genl_ok = false;
	genl_unregister_family(&pasid_genl_family);
}

/**
 * pasid_genl_registered() - Is the family up?
 *
 * Return: true once pasid_genl_init() succeeded.
 */
bool pasid_genl_registered(void)
{
	return pasid_genl_ok;
}
