/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazy_nl.h - libnl-genl-3 and libnl-3, the kernel backend's generic netlink client, loaded on first use (lazylib.h). Include it
 * after the library's own headers; call lazy_nl_load() before the first
 * call. The list: every function of the library this code calls (an
 * `nm -u` of the objects must show none of them).
 */
#ifndef LIBPASID_LAZY_NL_H
#define LIBPASID_LAZY_NL_H

#define LAZY_NL_FUNCS(X) \
	X(genl_connect) \
	X(genl_ctrl_resolve) \
	X(genl_ctrl_resolve_grp) \
	X(genlmsg_hdr) \
	X(genlmsg_parse) \
	X(genlmsg_put) \
	X(nl_geterror) \
	X(nl_recvmsgs_default) \
	X(nl_send_auto) \
	X(nl_socket_add_membership) \
	X(nl_socket_alloc) \
	X(nl_socket_disable_seq_check) \
	X(nl_socket_free) \
	X(nl_socket_get_fd) \
	X(nl_socket_modify_cb) \
	X(nl_socket_set_buffer_size) \
	X(nl_socket_set_nonblocking) \
	X(nla_data) \
	X(nla_get_string) \
	X(nla_get_u32) \
	X(nla_len) \
	X(nlmsg_alloc) \
	X(nlmsg_free) \
	X(nlmsg_hdr) \

struct lazy_nl_table {
#define LAZY_NL_MEMBER(f) __typeof__(&f) f;
	LAZY_NL_FUNCS(LAZY_NL_MEMBER)
#undef LAZY_NL_MEMBER
};

extern struct lazy_nl_table lazy_nl;

/* Return: 0, or -ELIBACC with *@ret_msg saying what is missing. */
int lazy_nl_load(const char **ret_msg);

#ifndef LAZY_NL_IMPL
#define genl_connect lazy_nl.genl_connect
#define genl_ctrl_resolve lazy_nl.genl_ctrl_resolve
#define genl_ctrl_resolve_grp lazy_nl.genl_ctrl_resolve_grp
#define genlmsg_hdr lazy_nl.genlmsg_hdr
#define genlmsg_parse lazy_nl.genlmsg_parse
#define genlmsg_put lazy_nl.genlmsg_put
#define nl_geterror lazy_nl.nl_geterror
#define nl_recvmsgs_default lazy_nl.nl_recvmsgs_default
#define nl_send_auto lazy_nl.nl_send_auto
#define nl_socket_add_membership lazy_nl.nl_socket_add_membership
#define nl_socket_alloc lazy_nl.nl_socket_alloc
#define nl_socket_disable_seq_check lazy_nl.nl_socket_disable_seq_check
#define nl_socket_free lazy_nl.nl_socket_free
#define nl_socket_get_fd lazy_nl.nl_socket_get_fd
#define nl_socket_modify_cb lazy_nl.nl_socket_modify_cb
#define nl_socket_set_buffer_size lazy_nl.nl_socket_set_buffer_size
#define nl_socket_set_nonblocking lazy_nl.nl_socket_set_nonblocking
#define nla_data lazy_nl.nla_data
#define nla_get_string lazy_nl.nla_get_string
#define nla_get_u32 lazy_nl.nla_get_u32
#define nla_len lazy_nl.nla_len
#define nlmsg_alloc lazy_nl.nlmsg_alloc
#define nlmsg_free lazy_nl.nlmsg_free
#define nlmsg_hdr lazy_nl.nlmsg_hdr
#endif

#endif
