/* How the programs (not the library) set up glibc's allocator. */
#ifndef WF_HEAP_H
#define WF_HEAP_H

/*
 * wf_heap_keep_buffers() - make malloc() keep the buffers of bulk data,
 * up to 1 MiB each, on the heap and the heap's free top resident, so that
 * each new message reuses pages already faulted in. Without it glibc
 * mmap()s and trims them: a fresh page fault every 4 KiB sent or received
 * (measured: 60000-85000 faults per GiB read in webfuse-provider, 20000-
 * 54000 per 512 MiB written in webfused, none with it). Process-wide, so
 * programs call it, the library does not. So that a burst does not leave
 * its buffers resident, webfused and libwebfuse-provider call
 * wf_heap_give_back() once idle.
 */
void wf_heap_keep_buffers(void);

/*
 * wf_heap_give_back() - return the heap's free memory to the system (what
 * wf_heap_keep_buffers() lets it keep): for a program or library gone idle
 * after a burst of traffic. It frees nothing in use, so a library may call
 * it in a program that did not ask for it.
 */
void wf_heap_give_back(void);

#endif
