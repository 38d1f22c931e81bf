/* One-line messages about connection events, written to stderr. */
#ifndef WFP_LOG_H
#define WFP_LOG_H

/*
 * wfp_log() - print one line, prefixed with the library's name, to stderr.
 * @fmt: printf format, without the trailing newline.
 */
void wfp_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
