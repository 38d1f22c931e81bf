/* The daemon's node table: FUSE node ids, lookup counts and their paths. */
#ifndef WFD_NODE_H
#define WFD_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The root directory's node id, as FUSE fixes it. */
#define WFD_NODE_ROOT 1

struct wfd_nodes;

/*
 * wfd_nodes_create() - a table holding only the root node.
 * Returns NULL on allocation failure.
 */
struct wfd_nodes *wfd_nodes_create(void);

/* wfd_nodes_destroy() - free the table and every node; accepts NULL. */
void wfd_nodes_destroy(struct wfd_nodes *nodes);

/*
 * wfd_nodes_path() - the protocol path of node @id, or of its child @name
 * (borrowed; NULL for the node itself), written NUL-terminated into @buf
 * of @size bytes.
 * Returns 0, -ESTALE if @id is unknown or no longer has a path (it or a
 * directory above it was removed), -ENAMETOOLONG if the path exceeds
 * WF_PATH_MAX or @size.
 */
int wfd_nodes_path(const struct wfd_nodes *nodes, uint64_t id, const char *name,
		   char *buf, size_t size);

/*
 * wfd_nodes_last_path() - like wfd_nodes_path() for node @id itself, but a
 * removed node gives the path it had last: the name of an open file that
 * was unlinked. Returns 0, -ESTALE if @id is unknown, or -ENAMETOOLONG.
 */
int wfd_nodes_last_path(const struct wfd_nodes *nodes, uint64_t id, char *buf,
			size_t size);

/*
 * wfd_nodes_removed() - whether node @id is unknown or has no path any
 * more (it or a directory above it was removed).
 */
bool wfd_nodes_removed(const struct wfd_nodes *nodes, uint64_t id);

/*
 * wfd_nodes_lookup() - find or create the child @name (borrowed, copied) of
 * node @parent and count one kernel lookup of it.
 * Returns 0 and the child's id in @id, -ESTALE if @parent is unknown, or
 * -ENOMEM.
 */
int wfd_nodes_lookup(struct wfd_nodes *nodes, uint64_t parent, const char *name,
		     uint64_t *id);

/*
 * wfd_nodes_forget() - the kernel dropped @nlookup lookups of node @id.
 * A node is freed when it has no lookups left and no children. Unknown ids
 * and the root are ignored.
 */
void wfd_nodes_forget(struct wfd_nodes *nodes, uint64_t id, uint64_t nlookup);

/*
 * wfd_nodes_remove() - the child @name (borrowed) of node @parent was
 * unlinked or removed: it loses its path but stays known by its id until
 * the kernel forgets it. A name the table does not hold is ignored.
 */
void wfd_nodes_remove(struct wfd_nodes *nodes, uint64_t parent,
		      const char *name);

/*
 * wfd_nodes_rename() - the child @name of @parent was renamed to @newname
 * of @newparent (names borrowed, copied), as rename(2) does: a node that
 * had the new name is removed. With @exchange the two swapped names
 * instead. Names the table does not hold are skipped.
 * Returns 0, -ESTALE if a parent is unknown, -EINVAL if a node would end
 * up beneath itself (the kernel refuses such renames; the table never
 * holds one), or -ENOMEM (the table is unchanged on error).
 */
int wfd_nodes_rename(struct wfd_nodes *nodes, uint64_t parent, const char *name,
		     uint64_t newparent, const char *newname, bool exchange);

/*
 * wfd_nodes_foreach_child() - call @fn with @user and the name (borrowed,
 * valid during the call) of every child of node @parent in the table that
 * was not removed. @fn
 * must not change the table.
 */
void wfd_nodes_foreach_child(const struct wfd_nodes *nodes, uint64_t parent,
			     void (*fn)(void *user, const char *name),
			     void *user);

/*
 * wfd_nodes_set_xattr_free() - node @id has no extended attributes until
 * the time @until (a monotonic clock's; 0 forgets it), as the provider
 * attached as @generation said. Unknown ids are ignored.
 */
void wfd_nodes_set_xattr_free(struct wfd_nodes *nodes, uint64_t id,
			      uint64_t generation, int64_t until);

/*
 * wfd_nodes_xattr_free() - whether node @id is known to have no extended
 * attributes at the time @now, from the provider attached as @generation.
 */
bool wfd_nodes_xattr_free(const struct wfd_nodes *nodes, uint64_t id,
			  uint64_t generation, int64_t now);

/* wfd_nodes_count() - number of nodes, the root included. */
size_t wfd_nodes_count(const struct wfd_nodes *nodes);

#endif
