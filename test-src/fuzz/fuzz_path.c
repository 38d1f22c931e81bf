/* Fuzz target: the validation of paths, names and UTF-8 that guards every
 * string from the network, against plain reference implementations. */
#include "harness.h"

#include "path.h"
#include "utf8.h"

#include <jansson.h>
#include <string.h>

/* A directory entry name, written as protocol.md 3 says it. */
static bool ref_name(const char *s, size_t len)
{
	if (len < 1 || len > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '/' || s[i] == '\0')
			return false;
	}
	return !(len == 1 && s[0] == '.') &&
	       !(len == 2 && s[0] == '.' && s[1] == '.');
}

/* A path: "/" or "/" followed by names joined by single slashes. */
static bool ref_path(const char *s, size_t len)
{
	size_t start;

	if (len < 1 || len > 4095 || s[0] != '/')
		return false;
	if (len == 1)
		return true;
	start = 1;
	for (size_t i = 1; i <= len; i++) {
		if (i == len || s[i] == '/') {
			if (!ref_name(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* UTF-8 as jansson checks it for every string it is given, minus NUL. */
static bool ref_utf8(const char *s, size_t len)
{
	json_t *str;

	if (memchr(s, '\0', len))
		return false;
	str = json_stringn(s, len);
	json_decref(str);
	return str != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	bool path = wf_path_valid(s, size);
	bool utf8 = wf_utf8_valid(s, size);

	FUZZ_CHECK(path == ref_path(s, size));
	FUZZ_CHECK(wf_name_valid(s, size) == ref_name(s, size));
	FUZZ_CHECK(utf8 == ref_utf8(s, size));
	FUZZ_CHECK(wf_xattr_name_valid(s, size) ==
		   (size >= 1 && size <= 255 && utf8));
	/* A valid path never climbs: no "." or ".." component. */
	if (path) {
		FUZZ_CHECK(!memmem(s, size, "/../", 4));
		FUZZ_CHECK(!memmem(s, size, "/./", 3));
		FUZZ_CHECK(size < 3 || memcmp(s + size - 3, "/..", 3) != 0);
		FUZZ_CHECK(size < 2 || memcmp(s + size - 2, "/.", 2) != 0);
	}
	return 0;
}
