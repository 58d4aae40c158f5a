/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "blockdev.h"
#include "usbclass.h"

G_BEGIN_DECLS

/* USB mass-storage control (DESIGN §6): a libudev monitor plus a scan at start. Every block
 * device on the USB bus (whole disk and partitions, behind any number of hubs) is made
 * read-only at the block layer (BLKROSET) on start and on every add and change event. */

typedef struct {
	gchar *devnode;
	guint major, minor;
	gchar *fs_type; /* untrusted strings from the device: escape before printing */
	gchar *fs_uuid;
	gchar *fs_label;
	guint64 size;
} FutUsbVolume;

typedef struct {
	gchar *syspath; /* of the whole disk: the key */
	gchar *devnode;
	guint major, minor;
	gchar *vendor; /* untrusted */
	gchar *model;  /* untrusted */
	gchar *vid;    /* 4 hex digits or NULL */
	gchar *pid;
	gchar *serial; /* untrusted; NULL when the device reports none */
	guint64 capacity;
	GPtrArray *volumes; /* FutUsbVolume: the disk itself when it holds a filesystem, then
	                       its partitions */
	gboolean readonly;  /* BLKROSET is set on the disk and every partition */
	gchar *suspicious;  /* why it must never be written (HID, network), or NULL */
	gchar *asset_id;    /* register entry, or NULL */
	gchar *owner;       /* register owner section, or NULL */
} FutUsbDevice;

typedef enum {
	FUT_USB_EVENT_ATTACH,
	FUT_USB_EVENT_CHANGE,
	FUT_USB_EVENT_DETACH,
	FUT_USB_EVENT_READONLY_FAILED,
} FutUsbEvent;

typedef struct _FutUsbStore FutUsbStore;

/* Called for every attach, change and detach, and when BLKROSET could not be set; @dev is
 * owned by the store (on detach, valid only during the call). */
typedef void (*FutUsbStoreFunc)(FutUsbStore *store,
                                FutUsbEvent event,
                                const FutUsbDevice *dev,
                                const gchar *detail,
                                gpointer user_data);

/* Returns a store listening on udev (not started yet). Caller frees. */
FutUsbStore *fut_usb_store_new(FutUsbStoreFunc func, gpointer user_data, GError **error);
void fut_usb_store_free(FutUsbStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutUsbStore, fut_usb_store_free)

/* Starts the monitor (a GSource on the default main context), then scans the devices present
 * and makes every USB block device read-only. Returns FALSE when a device could not be made
 * read-only or udev is not usable: the caller must not report itself ready. */
gboolean fut_usb_store_start(FutUsbStore *store, GError **error);

/* The register decides which devices are registered; applied to devices present and future.
 * @asset_lookup returns the asset id and owner for a VID, PID and serial (or FALSE). */
typedef gboolean (*FutUsbAssetLookup)(const gchar *vid,
                                      const gchar *pid,
                                      const gchar *serial,
                                      gchar **ret_asset_id,
                                      gchar **ret_owner,
                                      gpointer user_data);
void fut_usb_store_set_asset_lookup(FutUsbStore *store, FutUsbAssetLookup lookup, gpointer data);

/* Marks the volume @major:@minor as being written by the agent's write path: enforcement
 * leaves it alone until it is cleared again (the write path restores read-only itself).
 * May be called from any thread. */
void fut_usb_store_set_busy(FutUsbStore *store, guint major, guint minor, gboolean busy);

/* Scans every block device again (as at start): catches devices whose events were lost
 * (a full netlink buffer) and re-asserts read-only on all. Returns FALSE when one failed. */
gboolean fut_usb_store_rescan(FutUsbStore *store, GError **error);

/* Re-asserts BLKROSET on every known device. Returns FALSE when one failed. */
gboolean fut_usb_store_reassert(FutUsbStore *store, GError **error);

/* The known devices (FutUsbDevice, owned by the store). Caller unrefs the array. */
GPtrArray *fut_usb_store_get_devices(FutUsbStore *store);

/* Finds a device by serial, filesystem label, asset id or the mount point of one of its
 * volumes (@spec as typed by the user). Returns NULL with a reason when none or more than
 * one match. Owned by the store. */
const FutUsbDevice *fut_usb_store_find(FutUsbStore *store, const gchar *spec, GError **error);

/* Returns a JSON object describing @dev (strings raw; JSON escapes them). */
JsonObject *fut_usb_device_to_json(const FutUsbDevice *dev);

G_END_DECLS
