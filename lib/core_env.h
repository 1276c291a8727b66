/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* core_env.h - test hooks of the userspace core environment (not exported). */
#ifndef LIBPASID_CORE_ENV_H
#define LIBPASID_CORE_ENV_H

#include <stdbool.h>

/* Make the nth library-internal allocation from now fail (0: never). */
void pasid_test_fail_nth(long nth);
/* Consume one step of the countdown: true if this allocation must fail. */
bool pasid_test_should_fail(void);

#endif
