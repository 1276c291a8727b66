// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * scanrace.c - after a PCI function was removed while the module's initial
 * scan ran (init.sh, step scan-race, widens the window with the test build's
 * test_scan_delay_ms and test_del_delay_ms), the module must not list it.
 * Usage: pasid-ktest scanrace DOMAIN:BUS:DEV.FN (of the removed function)
 */
#include <stdlib.h>
#include <unistd.h>

#include "ktest.h"

int kt_scanrace(int argc, char **argv)
{
	unsigned int dom, bus, dev, fn, i;
	struct kt_rid *r = calloc(1024, sizeof(*r));
	struct kt_nl *nl = kt_nl_open();
	uint32_t rid;
	int n, seen = 0;

	if (argc < 2 || sscanf(argv[1], "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 || !r) {
		KT_CHECK(0, "usage: scanrace DOMAIN:BUS:DEV.FN");
		free(r);
		return 0;
	}
	rid = dom << 16 | bus << 8 | dev << 3 | fn;
	n = nl ? kt_nl_rids(nl, r, 1024) : -1;
	KT_CHECK(n > 0, "RID dump: %d (test_pci_width= makes every function a RID)", n);
	for (i = 0; n > 0 && i < (unsigned int)n; i++)
		seen |= r[i].rid == rid;
	KT_CHECK(!seen, "the removed function %s (RID %#x) is still listed", argv[1], rid);
	printf("# scan race: %d RIDs listed, %s %s\n", n, argv[1],
	       seen ? "among them" : "not among them");
	kt_nl_close(nl);
	free(r);
	return 0;
}
