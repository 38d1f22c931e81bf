/*
 * The handles one connection opened and has not released. Handles do not
 * outlive their connection (protocol.md 6.2): when it ends, the provider
 * releases what the service can no longer release itself.
 */
#ifndef WFP_HANDLES_H
#define WFP_HANDLES_H

#include <webfuse/provider.h>

#include <stdint.h>

struct wfp_handles;

/* wfp_handles_create() - an empty set; NULL when out of memory. */
struct wfp_handles *wfp_handles_create(void);

/*
 * wfp_handles_add() - @handle (not 0) of the file at @path (borrowed,
 * copied) is open. Returns 0 or -ENOMEM.
 */
int wfp_handles_add(struct wfp_handles *h, uint64_t handle, const char *path);

/* wfp_handles_remove() - @handle was released; unknown ones are ignored. */
void wfp_handles_remove(struct wfp_handles *h, uint64_t handle);

/*
 * wfp_handles_destroy() - release every handle still open through
 * @ops->release (if any) with @user_data, then free @h. Accepts NULL.
 */
void wfp_handles_destroy(struct wfp_handles *h,
			 const struct wfp_operations *ops, void *user_data);

#endif
