/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which USB interface classes make a storage device one never to write to (HID, network):
 * pure functions over descriptor triples, whichever way they were read. */

/* The interface classes a USB device offers, as (class, subclass, protocol). Returns
 * a reason why a storage device with these interfaces must never be written (a keyboard or
 * network interface: a "BadUSB" stick), or NULL. Static string. */
typedef struct {
	guint8 cls, subclass, protocol;
} FutUsbClass;
const gchar *fut_usb_interfaces_suspicious(const FutUsbClass *classes, guint n);

/* Parses udev's ID_USB_INTERFACES (":080650:030101:") into classes. Returns FALSE on
 * malformed text. Caller frees @ret_classes. */
gboolean
fut_usb_parse_interfaces_property(const gchar *prop, FutUsbClass **ret_classes, guint *ret_n);

G_END_DECLS
