// SPDX-License-Identifier: LGPL-2.1-or-later
/* names.c - names of enums, for tools and messages. */
#include "internal.h"

PASID_EXPORT const char *pasid_event_type_name(uint32_t type)
{
	static const char *const names[] = {
		[PASID_EVENT_ALLOC] = "alloc",	   [PASID_EVENT_FREE] = "free",
		[PASID_EVENT_EXTEND] = "extend",   [PASID_EVENT_ATTACH] = "attach",
		[PASID_EVENT_DETACH] = "detach",   [PASID_EVENT_REVOKE] = "revoke",
		[PASID_EVENT_RID_ADD] = "rid-add", [PASID_EVENT_RID_REMOVE] = "rid-remove",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

PASID_EXPORT const char *pasid_intent_name(uint32_t intent)
{
	switch (intent) {
	case PASID_INTENT_GROUP:
		return "group";
	case PASID_INTENT_GLOBAL_ENQCMD:
		return "global-enqcmd";
	default:
		return "unknown";
	}
}

PASID_EXPORT const char *pasid_version(void)
{
	return PASID_VERSION;
}
