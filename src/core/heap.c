/* glibc's allocator: what the programs set up, and giving memory back. */
#include "heap.h"

#include <malloc.h>

/* Above a message of max_read or max_write with its header. */
#define MMAP_THRESHOLD (4 << 20)
/* Free memory kept at the heap's top: two such messages. */
#define TRIM_THRESHOLD (8 << 20)

void wf_heap_keep_buffers(void)
{
	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
	mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD);
}

void wf_heap_give_back(void)
{
	malloc_trim(0);
}
