/* How the programs stop: SIGINT and SIGTERM call a handler, SIGPIPE is off. */
#ifndef WF_SIGNALS_H
#define WF_SIGNALS_H

/*
 * wf_signals_install() - call @on_stop on SIGINT and SIGTERM (it must be
 * async-signal-safe: set a flag, wake the loop) and ignore SIGPIPE, so a
 * peer that goes away shows as a write error, not a dead process.
 * Returns 0 or -errno.
 */
int wf_signals_install(void (*on_stop)(int sig));

#endif
