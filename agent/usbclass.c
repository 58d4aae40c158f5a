/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "usbclass.h"

#include <string.h>

const gchar *
fut_usb_interfaces_suspicious(const FutUsbClass *t, guint n)
{
	for (guint i = 0; i < n; i++) {
		switch (t[i].cls) {
		case 0x03:
			return "offers a HID (keyboard or mouse) interface";
		case 0x02:
		case 0x0a:
			return "offers a CDC (network or modem) interface";
		case 0xe0:
			return "offers a wireless controller (RNDIS or Bluetooth) interface";
		case 0xef:
			/* Miscellaneous 04/xx is RNDIS over misc class. */
			if (t[i].subclass == 0x04)
				return "offers an RNDIS network interface";
			break;
		default:
			break;
		}
	}
	return NULL;
}

gboolean
fut_usb_parse_interfaces_property(const gchar *prop, FutUsbClass **ret_classes, guint *ret_n)
{
	g_auto(GStrv) parts = NULL;
	g_autofree FutUsbClass *t = NULL;
	guint n = 0, len;

	if (prop == NULL || prop[0] != ':' || strlen(prop) > 4096)
		return FALSE;
	len = strlen(prop);
	if (len < 2 || prop[len - 1] != ':')
		return FALSE;
	parts = g_strsplit(prop + 1, ":", -1);
	t = g_new0(FutUsbClass, g_strv_length(parts) + 1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] == '\0' && parts[i + 1] == NULL)
			break;
		if (strlen(parts[i]) != 6)
			return FALSE;
		for (guint j = 0; j < 6; j++) {
			if (!g_ascii_isxdigit(parts[i][j]))
				return FALSE;
		}
		{
			guint8 b[3];
			for (guint j = 0; j < 3; j++)
				b[j] = (guint8)(g_ascii_xdigit_value(parts[i][2 * j]) * 16 +
				                g_ascii_xdigit_value(parts[i][2 * j + 1]));
			t[n].cls = b[0];
			t[n].subclass = b[1];
			t[n].protocol = b[2];
		}
		n++;
	}
	if (n == 0)
		return FALSE;
	*ret_classes = g_steal_pointer(&t);
	*ret_n = n;
	return TRUE;
}
