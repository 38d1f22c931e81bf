/* A directory listing filled by a provider's readdir operation. */
#include "dirbuf.h"
#include "attr.h"
#include "path.h"
#include "utf8.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct wfp_dirbuf {
	json_t *entries; /* the listing, in the order added */
	json_t *seen;	 /* the names added, as keys: duplicates are invalid */
	size_t max_entries;
	int error; /* sticky: -E2BIG or -ENOMEM */
};

struct wfp_dirbuf *wfp_dirbuf_create(size_t max_entries)
{
	struct wfp_dirbuf *buf = malloc(sizeof(*buf));

	if (!buf)
		return NULL;
	buf->entries = json_array();
	buf->seen = json_object();
	buf->max_entries = max_entries;
	buf->error = 0;
	if (!buf->entries || !buf->seen) {
		wfp_dirbuf_destroy(buf);
		return NULL;
	}
	return buf;
}

void wfp_dirbuf_destroy(struct wfp_dirbuf *buf)
{
	if (!buf)
		return;
	json_decref(buf->entries);
	json_decref(buf->seen);
	free(buf);
}

int wfp_dirbuf_error(const struct wfp_dirbuf *buf)
{
	return buf->error;
}

json_t *wfp_dirbuf_entries(const struct wfp_dirbuf *buf)
{
	return buf->entries;
}

int wfp_dirbuf_add(struct wfp_dirbuf *buf, const char *name,
		   const struct stat *st)
{
	size_t len = strnlen(name, WF_NAME_MAX + 1);
	json_t *attr, *entry;

	if (buf->error)
		return buf->error;
	if (!wf_name_valid(name, len) || !wf_attr_representable(st))
		return -EINVAL;
	if (!wf_utf8_valid(name, len))
		return -EILSEQ;
	if (json_object_get(buf->seen, name))
		return -EEXIST;
	if (json_array_size(buf->entries) >= buf->max_entries) {
		buf->error = -E2BIG;
		return buf->error;
	}

	attr = wf_attr_to_json(st);
	if (!attr)
		goto out_nomem;
	entry = json_pack("{s:s%, s:o}", "name", name, len, "attr", attr);
	if (!entry)
		goto out_nomem;
	if (json_array_append_new(buf->entries, entry))
		goto out_nomem;
	if (json_object_set_new(buf->seen, name, json_true()))
		goto out_nomem;
	return 0;

out_nomem:
	buf->error = -ENOMEM;
	return buf->error;
}
