/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libpasid/wq.h - placeholder until the work-queue issue lands; included by pasid.h. */
#ifndef LIBPASID_WQ_H
#define LIBPASID_WQ_H
#endif
