/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For bench/taint-bench.sh: loads and attaches the BPF LSM taint programs (agent/taint.c,
 * no exempt programs, nothing marked), prints "READY" and keeps them until SIGTERM/SIGINT.
 * Prints the kernel's reason and exits 77 when it refuses them. */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/taint.h"

static gboolean
on_signal(gpointer loop)
{
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

int
main(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(FutTaint) t = fut_taint_new(NULL, NULL, NULL, NULL, &error);

	if (t == NULL) {
		fprintf(stderr, "taint-load: %s\n", error->message);
		return 77;
	}
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	printf("READY\n");
	fflush(stdout);
	g_main_loop_run(loop);
	return EXIT_SUCCESS;
}
