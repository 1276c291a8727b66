/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libpasid/devices.h - placeholder until the work-queue issue lands; included by pasid.h. */
#ifndef LIBPASID_DEVICES_H
#define LIBPASID_DEVICES_H
#endif
