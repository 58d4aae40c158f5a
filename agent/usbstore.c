/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "usbstore.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <sys/sysmacros.h>

#include "errors.h"
#include "mounts.h"
#include "usbstore-private.h"
#include "util.h"

/* The store: follows udev, keeps the table of USB storage devices and makes each one
 * read-only (BLKROSET through blockdev.c, then every mount of it) on start, on every event
 * and on request. What a device is and how it is described is in usbdevice.c. */

static gboolean
is_busy(FutUsbStore *store, guint maj, guint min)
{
	gboolean busy;

	g_mutex_lock(&store->busy_lock);
	busy = g_hash_table_contains(store->busy, GUINT_TO_POINTER(makedev(maj, min)));
	g_mutex_unlock(&store->busy_lock);
	return busy;
}

void
fut_usb_store_set_busy(FutUsbStore *store, guint maj, guint min, gboolean busy)
{
	g_mutex_lock(&store->busy_lock);
	if (busy)
		g_hash_table_add(store->busy, GUINT_TO_POINTER(makedev(maj, min)));
	else
		g_hash_table_remove(store->busy, GUINT_TO_POINTER(makedev(maj, min)));
	g_mutex_unlock(&store->busy_lock);
}

/* A filesystem mounted read-write before the agent started (or before BLKROSET) would stay
 * writable: BLKROSET refuses new write opens and read-write mounts, not the writes of a
 * filesystem already mounted read-write. Every mount of the device, in every mount
 * namespace (a user's namespace may hold a copy made before enforcement), gets the
 * per-mount read-only flag and the superblock is made read-only; the result is checked
 * and verified in the mount tables, so a mount that cannot be (a file open for writing:
 * EBUSY) makes the device "not read-only": recorded, and refused for exports (issue 16
 * item 4). */
static gboolean
volume_fix_mounts(guint maj, guint min, GError **error)
{
	return fut_mounts_make_readonly_everywhere(maj, min, NULL, TRUE, error);
}

/* @ret_mounts_only is set when BLKROSET held and only a mount could not be made read-only:
 * the device is refused, but enforcement as a whole goes on (a user's open file must not
 * stop the agent). */
static gboolean
volume_make_readonly(FutUsbStore *store,
                     const gchar *devnode,
                     guint maj,
                     guint min,
                     gboolean *ret_mounts_only,
                     GError **error)
{
	if (is_busy(store, maj, min))
		return TRUE;
	if (!fut_blockdev_set_readonly(devnode, TRUE, error))
		return FALSE;
	if (!volume_fix_mounts(maj, min, error)) {
		*ret_mounts_only = TRUE;
		return FALSE;
	}
	return TRUE;
}

/* BLKROSET on the disk, then on every partition (a partition keeps its own flag). */
static gboolean
device_make_readonly(FutUsbStore *store,
                     const FutUsbDevice *d,
                     gboolean *ret_mounts_only,
                     GError **error)
{
	*ret_mounts_only = FALSE;
	if (d->devnode == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO, _("device has no device node"));
		return FALSE;
	}
	if (!volume_make_readonly(store, d->devnode, d->major, d->minor, ret_mounts_only, error))
		return FALSE;
	for (guint i = 0; i < d->volumes->len; i++) {
		const FutUsbVolume *v = g_ptr_array_index(d->volumes, i);
		if (!g_str_equal(v->devnode, d->devnode) &&
		    !volume_make_readonly(store, v->devnode, v->major, v->minor, ret_mounts_only,
		                          error))
			return FALSE;
	}
	return TRUE;
}

static void
emit(FutUsbStore *store, FutUsbEvent ev, const FutUsbDevice *d, const gchar *detail)
{
	if (store->func != NULL)
		store->func(store, ev, d, detail, store->user_data);
}

static void
forget(FutUsbStore *store, const gchar *syspath)
{
	gpointer key = NULL, value = NULL;

	if (!g_hash_table_steal_extended(store->devices, syspath, &key, &value))
		return;
	emit(store, FUT_USB_EVENT_DETACH, value, NULL);
	fut_usb_device_free(value);
	g_free(key);
}

/* Makes @disk read-only if it is USB storage and updates the table. Returns FALSE only when
 * a USB device could not be made read-only. */
static gboolean
process_disk(FutUsbStore *store, struct udev_device *disk, GError **error)
{
	const gchar *syspath = udev_device_get_syspath(disk);
	g_autoptr(FutUsbDevice) d = NULL;
	g_autoptr(GError) local = NULL;
	gboolean known, mounts_only = FALSE;

	if (!fut_usb_is_usb_block(disk) || udev_device_get_devnode(disk) == NULL) {
		/* A loop device detached, or a disk that stopped being USB: it is gone. */
		forget(store, syspath);
		return TRUE;
	}
	d = fut_usb_device_from_udev(store, disk);
	d->readonly = device_make_readonly(store, d, &mounts_only, &local);
	known = g_hash_table_contains(store->devices, syspath);
	g_hash_table_replace(store->devices, g_strdup(syspath), d);
	d = NULL;
	{
		const FutUsbDevice *cur = g_hash_table_lookup(store->devices, syspath);
		emit(store, known ? FUT_USB_EVENT_CHANGE : FUT_USB_EVENT_ATTACH, cur, NULL);
		if (local != NULL) {
			emit(store, FUT_USB_EVENT_READONLY_FAILED, cur, local->message);
			/* Recorded and refused for exports; the device flag itself holds. */
			if (mounts_only)
				return TRUE;
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
monitor_cb(gint fd, GIOCondition cond, gpointer user_data)
{
	FutUsbStore *store = user_data;

	for (guint i = 0; i < 64; i++) {
		g_autoptr(FutUdevDevice) dev = udev_monitor_receive_device(store->monitor);
		const gchar *action, *devtype;
		struct udev_device *disk;

		if (dev == NULL)
			break;
		action = udev_device_get_action(dev);
		devtype = udev_device_get_devtype(dev);
		if (g_strcmp0(devtype, "partition") == 0) {
			disk = udev_device_get_parent_with_subsystem_devtype(dev, "block", "disk");
			if (disk == NULL)
				continue;
			/* A removed partition: the disk's table changes; the disk itself is
			 * re-read from sysfs. */
			if (g_strcmp0(action, "remove") != 0 || fut_usb_is_usb_block(dev)) {
				g_autoptr(FutUdevDevice) fresh = udev_device_new_from_syspath(
				    store->udev, udev_device_get_syspath(disk));
				if (fresh != NULL)
					process_disk(store, fresh, NULL);
			}
			continue;
		}
		if (g_strcmp0(devtype, "disk") != 0)
			continue;
		if (g_strcmp0(action, "remove") == 0)
			forget(store, udev_device_get_syspath(dev));
		else
			process_disk(store, dev, NULL);
	}
	return G_SOURCE_CONTINUE;
}

FutUsbStore *
fut_usb_store_new(FutUsbStoreFunc func, gpointer user_data, GError **error)
{
	g_autoptr(FutUsbStore) store = g_new0(FutUsbStore, 1);

	store->func = func;
	store->user_data = user_data;
	store->devices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                       (GDestroyNotify)fut_usb_device_free);
	g_mutex_init(&store->busy_lock);
	store->busy = g_hash_table_new(NULL, NULL);
	store->udev = udev_new();
	if (store->udev == NULL) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED, _("cannot use libudev"));
		return NULL;
	}
	/* Without libusb every USB stick is treated as suspicious (never written), but
	 * read-only enforcement still works. */
	if (libusb_init(&store->usb) < 0)
		store->usb = NULL;
	return g_steal_pointer(&store);
}

void
fut_usb_store_free(FutUsbStore *store)
{
	if (store == NULL)
		return;
	if (store->watch_id != 0)
		g_source_remove(store->watch_id);
	if (store->monitor != NULL)
		udev_monitor_unref(store->monitor);
	if (store->devices != NULL)
		g_hash_table_unref(store->devices);
	if (store->udev != NULL)
		udev_unref(store->udev);
	if (store->usb != NULL)
		libusb_exit(store->usb);
	if (store->busy != NULL)
		g_hash_table_unref(store->busy);
	g_mutex_clear(&store->busy_lock);
	g_free(store);
}

void
fut_usb_store_set_asset_lookup(FutUsbStore *store, FutUsbAssetLookup lookup, gpointer data)
{
	GHashTableIter it;
	FutUsbDevice *d;

	store->lookup = lookup;
	store->lookup_data = data;
	g_hash_table_iter_init(&it, store->devices);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&d)) {
		g_clear_pointer(&d->asset_id, g_free);
		g_clear_pointer(&d->owner, g_free);
		if (lookup != NULL && d->vid != NULL && d->pid != NULL && d->serial != NULL)
			lookup(d->vid, d->pid, d->serial, &d->asset_id, &d->owner, data);
	}
}

gboolean
fut_usb_store_start(FutUsbStore *store, GError **error)
{
	store->monitor = udev_monitor_new_from_netlink(store->udev, "udev");
	if (store->monitor == NULL ||
	    udev_monitor_filter_add_match_subsystem_devtype(store->monitor, "block", NULL) < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("cannot listen to udev events"));
		return FALSE;
	}
	/* Events queued while the kernel is busy must not be dropped: a dropped add event
	 * would leave a stick writable until the next change. */
	udev_monitor_set_receive_buffer_size(store->monitor, 16 * 1024 * 1024);
	/* Listen before scanning, so a device attached during the scan is not missed. */
	if (udev_monitor_enable_receiving(store->monitor) < 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_NOT_SUPPORTED,
		            _("cannot listen to udev events"));
		return FALSE;
	}
	store->watch_id =
	    g_unix_fd_add(udev_monitor_get_fd(store->monitor), G_IO_IN, monitor_cb, store);
	return fut_usb_store_rescan(store, error);
}

gboolean
fut_usb_store_rescan(FutUsbStore *store, GError **error)
{
	g_autoptr(FutUdevEnumerate) en = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct udev_list_entry *e;
	gboolean ok = TRUE;

	en = udev_enumerate_new(store->udev);
	udev_enumerate_add_match_subsystem(en, "block");
	udev_enumerate_scan_devices(en);
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
	{
		g_autoptr(FutUdevDevice) d =
		    udev_device_new_from_syspath(store->udev, udev_list_entry_get_name(e));
		g_autoptr(GError) local = NULL;

		if (d == NULL || g_strcmp0(udev_device_get_devtype(d), "disk") != 0)
			continue;
		g_hash_table_add(seen, g_strdup(udev_device_get_syspath(d)));
		if (!process_disk(store, d, &local) && ok) {
			ok = FALSE;
			g_propagate_error(error, g_steal_pointer(&local));
		}
	}
	/* Devices that went away while their remove event was lost. */
	{
		g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
		GHashTableIter it;
		gpointer key;

		g_hash_table_iter_init(&it, store->devices);
		while (g_hash_table_iter_next(&it, &key, NULL)) {
			if (!g_hash_table_contains(seen, key))
				g_ptr_array_add(gone, g_strdup(key));
		}
		for (guint i = 0; i < gone->len; i++)
			forget(store, g_ptr_array_index(gone, i));
	}
	return ok;
}

gboolean
fut_usb_store_reassert(FutUsbStore *store, GError **error)
{
	GHashTableIter it;
	FutUsbDevice *d;
	gboolean ok = TRUE;

	g_hash_table_iter_init(&it, store->devices);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&d)) {
		g_autoptr(GError) local = NULL;
		gboolean mounts_only = FALSE;
		d->readonly = device_make_readonly(store, d, &mounts_only, &local);
		if (!d->readonly) {
			emit(store, FUT_USB_EVENT_READONLY_FAILED, d, local->message);
			if (ok)
				g_propagate_error(error, g_steal_pointer(&local));
			ok = FALSE;
		}
	}
	return ok;
}

static gint
device_cmp(gconstpointer a, gconstpointer b)
{
	const FutUsbDevice *da = *(const FutUsbDevice **)a;
	const FutUsbDevice *db = *(const FutUsbDevice **)b;
	return g_strcmp0(da->devnode, db->devnode);
}

GPtrArray *
fut_usb_store_get_devices(FutUsbStore *store)
{
	GPtrArray *out = g_ptr_array_new();
	GHashTableIter it;
	gpointer d;

	g_hash_table_iter_init(&it, store->devices);
	while (g_hash_table_iter_next(&it, NULL, &d))
		g_ptr_array_add(out, d);
	g_ptr_array_sort(out, device_cmp);
	return out;
}

const FutUsbDevice *
fut_usb_store_find(FutUsbStore *store, const gchar *spec, GError **error)
{
	g_autoptr(GPtrArray) all = fut_usb_store_get_devices(store);
	const FutUsbDevice *found = NULL;
	g_autofree gchar *espec = fut_strescape(spec, -1);

	for (guint i = 0; i < all->len; i++) {
		const FutUsbDevice *d = g_ptr_array_index(all, i);
		if (!fut_usb_device_matches(d, spec))
			continue;
		if (found != NULL) {
			g_set_error(
			    error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			    _("'%s' names more than one device: use the serial or the asset "
			      "id"),
			    espec);
			return NULL;
		}
		found = d;
	}
	if (found == NULL)
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("no USB storage device '%s' is attached (see 'futari devices')"),
		            espec);
	return found;
}
