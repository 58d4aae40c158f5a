/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the media register (common/mediareg.c). */
#include "config.h"

#include "fuzz-common.h"
#include "mediareg.h"

static gboolean
is_lower_hex4(const gchar *s)
{
	for (guint i = 0; i < 4; i++) {
		if (!g_ascii_isxdigit(s[i]) || g_ascii_isupper(s[i]))
			return FALSE;
	}
	return s[4] == '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutMediaRegister) reg =
	    fut_media_register_parse("media.conf", (const gchar *)data, size, NULL);

	if (reg == NULL)
		return 0;
	/* every accepted entry is well formed and found again by both of its keys: no two
	 * assets share an id or a device identity */
	for (guint i = 0; i < fut_media_register_get_n_entries(reg); i++) {
		const FutMediaEntry *e = fut_media_register_get_entry(reg, i);

		if (e == NULL || e->asset_id == NULL || e->serial == NULL || e->owner == NULL)
			abort();
		if (!is_lower_hex4(e->vid) || !is_lower_hex4(e->pid))
			abort();
		if (strlen(e->asset_id) == 0 || strlen(e->asset_id) > FUT_MEDIA_ASSET_ID_MAX ||
		    strlen(e->serial) > FUT_MEDIA_SERIAL_MAX ||
		    strlen(e->owner) > FUT_MEDIA_OWNER_MAX)
			abort();
		if (fut_media_register_lookup_asset(reg, e->asset_id) != e)
			abort();
		if (fut_media_register_lookup(reg, e->vid, e->pid, e->serial) != e)
			abort();
	}
	return 0;
}
