/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Inside FutUsbStore: shared by usbstore.c (the store and its enforcement) and usbdevice.c
 * (recognising and describing devices). Nobody else includes this. */

#include <libudev.h>
#include <libusb.h>

#include "usbstore.h"

G_BEGIN_DECLS

/* libudev's types are structs without typedefs; g_autoptr needs a plain name. */
typedef struct udev_enumerate FutUdevEnumerate;
typedef struct udev_device FutUdevDevice;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutUdevEnumerate, udev_enumerate_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutUdevDevice, udev_device_unref)

struct _FutUsbStore {
	struct udev *udev;
	struct udev_monitor *monitor;
	guint watch_id;
	libusb_context *usb;
	GHashTable *devices; /* syspath -> FutUsbDevice */
	FutUsbStoreFunc func;
	gpointer user_data;
	FutUsbAssetLookup lookup;
	gpointer lookup_data;
	GMutex busy_lock;
	GHashTable *busy; /* dev_t of volumes being written */
};

void fut_usb_device_free(FutUsbDevice *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutUsbDevice, fut_usb_device_free)

/* TRUE when @d is a block device on the USB bus: udev's ID_BUS, or a USB device above it in
 * sysfs, behind any number of hubs. */
gboolean fut_usb_is_usb_block(struct udev_device *d);
/* Returns a new device read from the whole disk @disk and its partitions, with its
 * suspicious interfaces and register entry looked up. Caller frees. */
FutUsbDevice *fut_usb_device_from_udev(FutUsbStore *store, struct udev_device *disk);
/* TRUE when @spec (as typed by a user) names @d: serial, asset id, filesystem label or a
 * mount point of one of its volumes. */
gboolean fut_usb_device_matches(const FutUsbDevice *d, const gchar *spec);

G_END_DECLS
