// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-rid.c - pasid_rid_parse() and pasid_rid_format().
 *
 * Properties: the parser returns 0 or -EINVAL and never reads past the NUL;
 * what it accepts is exactly "ssss:bb:dd.f" or "bb:dd.f" in hex, device
 * <= 0x1f, function <= 7; formatting the result and parsing it again gives
 * the same RID, and the text is the input (up to case and the omitted
 * segment); pasid_rid_format() refuses short buffers.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <libpasid/pasid.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[PASID_RID_STRLEN], small[PASID_RID_STRLEN - 1];
	uint32_t rid = 0xdeadbeef, again = 0;
	size_t len;
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	rc = pasid_rid_parse(s, &rid);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d for \"%s\"", rc, s);
	if (rc == 0) {
		FUZZ_CHECK(len == 7 || len == 12, "accepted \"%s\" of length %zu", s, len);
		FUZZ_CHECK(pasid_rid_format(rid, buf, sizeof(buf)) == 0, "format");
		FUZZ_CHECK(!strcasecmp(len == 7 ? buf + 5 : buf, s), "\"%s\" formats as \"%s\"",
			   s, buf);
		FUZZ_CHECK(len == 12 || !strncmp(buf, "0000:", 5), "segment of \"%s\"", s);
		FUZZ_CHECK(pasid_rid_parse(buf, &again) == 0 && again == rid,
			   "\"%s\" -> %#x -> \"%s\" -> %#x", s, rid, buf, again);
	} else {
		FUZZ_CHECK(rid == 0xdeadbeef, "\"%s\" rejected but *ret_rid written", s);
	}
	/* any 32-bit value formats, short buffers are refused */
	if (size >= 4) {
		uint32_t v;

		memcpy(&v, data, 4);
		FUZZ_CHECK(pasid_rid_format(v, buf, sizeof(buf)) == 0 && strlen(buf) == 12,
			   "format %#x", v);
		FUZZ_CHECK(pasid_rid_format(v, small, sizeof(small)) == -ENOSPC, "short buffer");
		FUZZ_CHECK(pasid_rid_parse(buf, &again) == 0 && again == v, "%#x -> \"%s\" -> %#x",
			   v, buf, again);
	}
	free(s);
	return 0;
}
