/* How the programs stop: SIGINT and SIGTERM call a handler, SIGPIPE is off. */
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

int wf_signals_install(void (*on_stop)(int sig))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL))
		return -errno;
	return 0;
}
