/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the agent's configuration file (agent/agentconf.c, common/keyfile.c). */
#include "config.h"

#include "agentconf.h"
#include "fuzz-common.h"

static void
check_path(const gchar *p)
{
	/* every path the agent uses is absolute, whether set or defaulted */
	if (p == NULL || p[0] != '/')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutConfig) c = fut_config_parse("fuzz.conf", (const gchar *)data, size, NULL);

	if (c == NULL)
		return 0;
	/* what parse accepts has passed the validate pass */
	if (!fut_config_validate(c, NULL))
		abort();
	check_path(c->socket);
	check_path(c->state_dir);
	check_path(c->spool_dir);
	check_path(c->log_dir);
	check_path(c->host_key);
	check_path(c->media_register);
	if (c->max_message == 0 || c->requests_per_minute == 0 || c->pending_per_uid == 0)
		abort();
	return 0;
}
