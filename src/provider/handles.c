/* The handles one connection opened and has not released. */
#include "handles.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct open_handle {
	uint64_t handle;
	char *path;
};

struct wfp_handles {
	struct open_handle *items;
	size_t count;
	size_t capacity;
};

struct wfp_handles *wfp_handles_create(void)
{
	return calloc(1, sizeof(struct wfp_handles));
}

int wfp_handles_add(struct wfp_handles *h, uint64_t handle, const char *path)
{
	char *copy;

	if (h->count == h->capacity) {
		size_t capacity = h->capacity ? 2 * h->capacity : 16;
		struct open_handle *items =
			realloc(h->items, capacity * sizeof(*items));

		if (!items)
			return -ENOMEM;
		h->items = items;
		h->capacity = capacity;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	h->items[h->count].handle = handle;
	h->items[h->count].path = copy;
	h->count++;
	return 0;
}

void wfp_handles_remove(struct wfp_handles *h, uint64_t handle)
{
	/* Newest first: a file is most often closed soon after it opened. */
	for (size_t i = h->count; i-- > 0;) {
		if (h->items[i].handle == handle) {
			free(h->items[i].path);
			h->items[i] = h->items[--h->count];
			return;
		}
	}
}

void wfp_handles_destroy(struct wfp_handles *h,
			 const struct wfp_operations *ops, void *user_data)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->count; i++) {
		if (ops->release)
			ops->release(h->items[i].path, h->items[i].handle,
				     user_data);
		free(h->items[i].path);
	}
	free(h->items);
	free(h);
}
