/* Validation of the paths and names that cross the wire (protocol.md, 3). */
#include "path.h"

#include "utf8.h"

#include <string.h>

bool wf_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > WF_NAME_MAX)
		return false;
	if (memchr(name, '/', len) || memchr(name, '\0', len))
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	return true;
}

bool wf_path_valid(const char *path, size_t len)
{
	if (len == 0 || len > WF_PATH_MAX || path[0] != '/')
		return false;
	if (len == 1)
		return true;

	size_t start = 1;
	while (start <= len) {
		const char *slash = memchr(path + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - path) : len;

		if (!wf_name_valid(path + start, end - start))
			return false;
		start = end + 1;
	}
	return true;
}

bool wf_xattr_name_valid(const char *name, size_t len)
{
	return len > 0 && len <= WF_NAME_MAX && !memchr(name, '\0', len) &&
	       wf_utf8_valid(name, len);
}

/* Whether the @len bytes at @name start with the string @prefix. */
static bool starts_with(const char *name, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(name, prefix, n) == 0;
}

bool wf_xattr_name_carried(const char *name, size_t len)
{
	return !starts_with(name, len, "security.") &&
	       !starts_with(name, len, "system.");
}
