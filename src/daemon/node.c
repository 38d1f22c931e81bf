/* The daemon's node table: FUSE node ids, lookup counts and their paths. */
#include "node.h"

#include "path.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_BUCKETS 64

struct wfd_node {
	uint64_t id;
	uint64_t nlookup;
	struct wfd_node *parent; /* NULL for the root */
	char *name;		 /* NULL for the root */
	size_t name_len;
	size_t children; /* nodes whose parent this is */
	bool removed;	 /* unlinked or replaced: kept for its lookups */
	uint64_t xattr_free_generation; /* wfd_nodes_set_xattr_free() */
	int64_t xattr_free_until;
	struct wfd_node *id_next;
	struct wfd_node *name_next;
};

struct wfd_nodes {
	struct wfd_node **by_id;
	struct wfd_node **by_name;
	size_t buckets; /* size of both arrays, a power of two */
	size_t count;
	uint64_t next_id;
	struct wfd_node root;
};

static size_t id_bucket(const struct wfd_nodes *nodes, uint64_t id)
{
	return (size_t)(id * 0x9E3779B97F4A7C15ull >> 17) &
	       (nodes->buckets - 1);
}

/* FNV-1a over the parent id and the name. */
static size_t name_bucket(const struct wfd_nodes *nodes, uint64_t parent,
			  const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ parent;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 0x100000001b3ull;
	}
	return (size_t)h & (nodes->buckets - 1);
}

static struct wfd_node *find(const struct wfd_nodes *nodes, uint64_t id)
{
	if (id == WFD_NODE_ROOT)
		return (struct wfd_node *)&nodes->root;

	struct wfd_node *n = nodes->by_id[id_bucket(nodes, id)];

	while (n && n->id != id)
		n = n->id_next;
	return n;
}

static struct wfd_node *find_child(const struct wfd_nodes *nodes,
				   const struct wfd_node *parent,
				   const char *name, size_t len)
{
	struct wfd_node *n =
		nodes->by_name[name_bucket(nodes, parent->id, name, len)];

	while (n && !(n->parent == parent && n->name_len == len &&
		      memcmp(n->name, name, len) == 0))
		n = n->name_next;
	return n;
}

static void link_name(struct wfd_nodes *nodes, struct wfd_node *n)
{
	size_t b = name_bucket(nodes, n->parent->id, n->name, n->name_len);

	n->name_next = nodes->by_name[b];
	nodes->by_name[b] = n;
}

static void unlink_name(struct wfd_nodes *nodes, struct wfd_node *n)
{
	struct wfd_node **p = &nodes->by_name[name_bucket(
		nodes, n->parent->id, n->name, n->name_len)];

	while (*p != n)
		p = &(*p)->name_next;
	*p = n->name_next;
}

static void link_node(struct wfd_nodes *nodes, struct wfd_node *n)
{
	size_t b = id_bucket(nodes, n->id);

	n->id_next = nodes->by_id[b];
	nodes->by_id[b] = n;
	if (!n->removed)
		link_name(nodes, n);
}

static void unlink_node(struct wfd_nodes *nodes, struct wfd_node *n)
{
	struct wfd_node **p = &nodes->by_id[id_bucket(nodes, n->id)];

	while (*p != n)
		p = &(*p)->id_next;
	*p = n->id_next;
	if (!n->removed)
		unlink_name(nodes, n);
}

/* Doubles the bucket arrays; on allocation failure the table stays valid. */
static void grow(struct wfd_nodes *nodes)
{
	size_t old_buckets = nodes->buckets;
	struct wfd_node **old_id = nodes->by_id;
	struct wfd_node **by_id = calloc(old_buckets * 2, sizeof(*by_id));
	struct wfd_node **by_name = calloc(old_buckets * 2, sizeof(*by_name));

	if (!by_id || !by_name) {
		free(by_id);
		free(by_name);
		return;
	}
	nodes->by_id = by_id;
	free(nodes->by_name);
	nodes->by_name = by_name;
	nodes->buckets = old_buckets * 2;
	for (size_t b = 0; b < old_buckets; b++) {
		struct wfd_node *n = old_id[b];

		while (n) {
			struct wfd_node *next = n->id_next;

			link_node(nodes, n);
			n = next;
		}
	}
	free(old_id);
}

struct wfd_nodes *wfd_nodes_create(void)
{
	struct wfd_nodes *nodes = calloc(1, sizeof(*nodes));

	if (!nodes)
		return NULL;
	nodes->buckets = INITIAL_BUCKETS;
	nodes->by_id = calloc(nodes->buckets, sizeof(*nodes->by_id));
	nodes->by_name = calloc(nodes->buckets, sizeof(*nodes->by_name));
	if (!nodes->by_id || !nodes->by_name)
		goto out_free;
	nodes->root.id = WFD_NODE_ROOT;
	nodes->root.nlookup = 1;
	nodes->count = 1;
	nodes->next_id = WFD_NODE_ROOT + 1;
	return nodes;

out_free:
	free(nodes->by_id);
	free(nodes->by_name);
	free(nodes);
	return NULL;
}

void wfd_nodes_destroy(struct wfd_nodes *nodes)
{
	if (!nodes)
		return;
	for (size_t b = 0; b < nodes->buckets; b++) {
		struct wfd_node *n = nodes->by_id[b];

		while (n) {
			struct wfd_node *next = n->id_next;

			free(n->name);
			free(n);
			n = next;
		}
	}
	free(nodes->by_id);
	free(nodes->by_name);
	free(nodes);
}

/* Writes the path of @n (and its child @name) into @buf, or fails. */
static int build_path(const struct wfd_node *n, const char *name,
		      bool allow_removed, char *buf, size_t size)
{
	size_t name_len = name ? strlen(name) : 0;
	size_t len = name ? name_len + 1 : 0;

	for (const struct wfd_node *p = n; p->parent; p = p->parent) {
		if (p->removed && !allow_removed)
			return -ESTALE;
		len += p->name_len + 1;
	}
	if (len == 0)
		len = 1; /* the root itself: "/" */
	if (len > WF_PATH_MAX || len >= size)
		return -ENAMETOOLONG;

	buf[len] = '\0';
	buf[0] = '/';
	size_t end = len;
	if (name) {
		end -= name_len;
		memcpy(buf + end, name, name_len);
		buf[--end] = '/';
	}
	for (const struct wfd_node *p = n; p->parent; p = p->parent) {
		end -= p->name_len;
		memcpy(buf + end, p->name, p->name_len);
		buf[--end] = '/';
	}
	return 0;
}

int wfd_nodes_path(const struct wfd_nodes *nodes, uint64_t id, const char *name,
		   char *buf, size_t size)
{
	const struct wfd_node *n = find(nodes, id);

	return n ? build_path(n, name, false, buf, size) : -ESTALE;
}

int wfd_nodes_last_path(const struct wfd_nodes *nodes, uint64_t id, char *buf,
			size_t size)
{
	const struct wfd_node *n = find(nodes, id);

	return n ? build_path(n, NULL, true, buf, size) : -ESTALE;
}

bool wfd_nodes_removed(const struct wfd_nodes *nodes, uint64_t id)
{
	const struct wfd_node *n = find(nodes, id);

	for (; n && n->parent; n = n->parent) {
		if (n->removed)
			return true;
	}
	return !n;
}

int wfd_nodes_lookup(struct wfd_nodes *nodes, uint64_t parent, const char *name,
		     uint64_t *id)
{
	struct wfd_node *p = find(nodes, parent);
	size_t len = strlen(name);
	struct wfd_node *n;

	if (!p)
		return -ESTALE;
	n = find_child(nodes, p, name, len);
	if (n) {
		n->nlookup++;
		*id = n->id;
		return 0;
	}

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->name = strndup(name, len);
	if (!n->name) {
		free(n);
		return -ENOMEM;
	}
	n->name_len = len;
	n->id = nodes->next_id++;
	n->nlookup = 1;
	n->parent = p;
	p->children++;
	if (nodes->count >= nodes->buckets)
		grow(nodes);
	link_node(nodes, n);
	nodes->count++;
	*id = n->id;
	return 0;
}

/* Frees @n and then every ancestor that only it kept alive. */
static void release(struct wfd_nodes *nodes, struct wfd_node *n)
{
	while (n->parent && n->nlookup == 0 && n->children == 0) {
		struct wfd_node *parent = n->parent;

		unlink_node(nodes, n);
		nodes->count--;
		free(n->name);
		free(n);
		parent->children--;
		n = parent;
	}
}

void wfd_nodes_forget(struct wfd_nodes *nodes, uint64_t id, uint64_t nlookup)
{
	struct wfd_node *n = find(nodes, id);

	if (!n || !n->parent)
		return;
	n->nlookup = nlookup < n->nlookup ? n->nlookup - nlookup : 0;
	release(nodes, n);
}

/* The child @name of node @parent, if the table has it. */
static struct wfd_node *child(const struct wfd_nodes *nodes, uint64_t parent,
			      const char *name)
{
	const struct wfd_node *p = find(nodes, parent);

	return p ? find_child(nodes, p, name, strlen(name)) : NULL;
}

/* @n no longer has a name; it lives on while the kernel holds it. */
static void remove_name(struct wfd_nodes *nodes, struct wfd_node *n)
{
	unlink_name(nodes, n);
	n->removed = true;
	release(nodes, n);
}

void wfd_nodes_remove(struct wfd_nodes *nodes, uint64_t parent,
		      const char *name)
{
	struct wfd_node *n = child(nodes, parent, name);

	if (n)
		remove_name(nodes, n);
}

/* Gives @n the name @name (owned, @len bytes) in @parent. */
static void move(struct wfd_nodes *nodes, struct wfd_node *n,
		 struct wfd_node *parent, char *name, size_t len)
{
	struct wfd_node *old_parent = n->parent;

	unlink_name(nodes, n);
	free(n->name);
	n->name = name;
	n->name_len = len;
	n->parent = parent;
	parent->children++;
	old_parent->children--;
	link_name(nodes, n);
	release(nodes, old_parent);
}

/* Whether @n is @ancestor or lies beneath it. */
static bool within(const struct wfd_node *n, const struct wfd_node *ancestor)
{
	for (; n; n = n->parent)
		if (n == ancestor)
			return true;
	return false;
}

int wfd_nodes_rename(struct wfd_nodes *nodes, uint64_t parent, const char *name,
		     uint64_t newparent, const char *newname, bool exchange)
{
	struct wfd_node *from = child(nodes, parent, name);
	struct wfd_node *to = child(nodes, newparent, newname);
	struct wfd_node *p = find(nodes, parent);
	struct wfd_node *np = find(nodes, newparent);
	char *from_name = NULL, *to_name = NULL;

	if (!p || !np)
		return -ESTALE;
	if (from && from == to)
		return 0;
	/* A node inside itself would make every path beneath it endless. */
	if ((from && within(np, from)) || (exchange && to && within(p, to)))
		return -EINVAL;
	if (from && !(from_name = strdup(newname)))
		return -ENOMEM;
	if (exchange && to && !(to_name = strdup(name))) {
		free(from_name);
		return -ENOMEM;
	}
	/* Keep the parents alive while their children change places. */
	p->nlookup++;
	np->nlookup++;
	if (to && !exchange)
		remove_name(nodes, to);
	if (from)
		move(nodes, from, np, from_name, strlen(newname));
	if (exchange && to)
		move(nodes, to, p, to_name, strlen(name));
	p->nlookup--;
	np->nlookup--;
	release(nodes, p);
	release(nodes, np);
	return 0;
}

void wfd_nodes_foreach_child(const struct wfd_nodes *nodes, uint64_t parent,
			     void (*fn)(void *user, const char *name),
			     void *user)
{
	for (size_t b = 0; b < nodes->buckets; b++) {
		for (struct wfd_node *n = nodes->by_id[b]; n; n = n->id_next) {
			if (n->parent && n->parent->id == parent && !n->removed)
				fn(user, n->name);
		}
	}
}

size_t wfd_nodes_count(const struct wfd_nodes *nodes)
{
	return nodes->count;
}

void wfd_nodes_set_xattr_free(struct wfd_nodes *nodes, uint64_t id,
			      uint64_t generation, int64_t until)
{
	struct wfd_node *n = find(nodes, id);

	if (!n)
		return;
	n->xattr_free_generation = generation;
	n->xattr_free_until = until;
}

bool wfd_nodes_xattr_free(const struct wfd_nodes *nodes, uint64_t id,
			  uint64_t generation, int64_t now)
{
	const struct wfd_node *n = find(nodes, id);

	return n && n->xattr_free_generation == generation &&
	       now < n->xattr_free_until;
}
