/* A validated directory listing, as the result of readdir delivers it. */
#include "listing.h"

#include "attr.h"
#include "field.h"
#include "path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *name;
	struct stat st;
	bool xattr_free; /* "xattr": false */
};

struct wfd_listing {
	size_t count;
	struct entry *entries;
};

struct wfd_listing *wfd_listing_empty(void)
{
	return calloc(1, sizeof(struct wfd_listing));
}

void wfd_listing_destroy(struct wfd_listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		free(l->entries[i].name);
	free(l->entries);
	free(l);
}

static int compare_names(const void *a, const void *b)
{
	const struct entry *const *x = a;
	const struct entry *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Whether two entries share a name: sorts pointers, then looks at pairs. */
static int check_unique(const struct wfd_listing *l)
{
	const struct entry **sorted;
	int rc = 0;

	if (l->count < 2)
		return 0;
	sorted = malloc(l->count * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < l->count; i++)
		sorted[i] = &l->entries[i];
	qsort(sorted, l->count, sizeof(*sorted), compare_names);
	for (size_t i = 1; i < l->count; i++) {
		if (strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
			rc = -EINVAL;
			break;
		}
	}
	free(sorted);
	return rc;
}

static int decode_entry(const json_t *item, uid_t uid, gid_t gid,
			struct entry *e)
{
	const json_t *attr;
	const char *name;
	size_t len;

	if (!json_is_object(item))
		return -EINVAL;
	if (wf_field_string(item, "name", &name, &len) ||
	    !wf_name_valid(name, len))
		return -EINVAL;
	attr = json_object_get(item, "attr");
	if (wf_attr_from_json(attr, uid, gid, &e->st))
		return -EINVAL;
	e->xattr_free = wf_attr_without_xattrs(attr);
	e->name = strndup(name, len);
	return e->name ? 0 : -ENOMEM;
}

int wfd_listing_create(const json_t *result, size_t max_entries, uid_t uid,
		       gid_t gid, struct wfd_listing **out)
{
	json_t *items = json_object_get(result, "entries");
	struct wfd_listing *l;
	size_t count;
	int rc = 0;

	if (!json_is_array(items))
		return -EINVAL;
	count = json_array_size(items);
	if (count > max_entries)
		return -EINVAL;
	l = wfd_listing_empty();
	if (!l)
		return -ENOMEM;
	l->entries = calloc(count ? count : 1, sizeof(*l->entries));
	if (!l->entries) {
		rc = -ENOMEM;
		goto out_destroy;
	}
	for (size_t i = 0; i < count; i++) {
		rc = decode_entry(json_array_get(items, i), uid, gid,
				  &l->entries[i]);
		if (rc)
			goto out_destroy;
		l->count++;
	}
	rc = check_unique(l);
	if (rc)
		goto out_destroy;
	*out = l;
	return 0;

out_destroy:
	wfd_listing_destroy(l);
	return rc;
}

size_t wfd_listing_count(const struct wfd_listing *l)
{
	return l->count;
}

const char *wfd_listing_name(const struct wfd_listing *l, size_t i)
{
	return l->entries[i].name;
}

const struct stat *wfd_listing_attr(const struct wfd_listing *l, size_t i)
{
	return &l->entries[i].st;
}

bool wfd_listing_xattr_free(const struct wfd_listing *l, size_t i)
{
	return l->entries[i].xattr_free;
}
