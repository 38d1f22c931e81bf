/* Symbolic POSIX error names as they travel on the wire (protocol.md, 7). */
#ifndef WF_ERRNO_NAME_H
#define WF_ERRNO_NAME_H

/*
 * wf_errno_name() - the protocol name of a positive errno value.
 * Returns a static string, or "EIO" for a value the protocol has no name for.
 */
const char *wf_errno_name(int err);

/*
 * wf_errno_from_name() - the positive errno value for a protocol name.
 * @name: borrowed; may be NULL.
 * Returns EIO for NULL or for a name the protocol does not define.
 */
int wf_errno_from_name(const char *name);

#endif
