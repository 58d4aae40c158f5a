/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "usbstore.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <libudev.h>
#include <libusb.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "errors.h"
#include "mounts.h"
#include "util.h"

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

static void
volume_free(FutUsbVolume *v)
{
	if (v == NULL)
		return;
	g_free(v->devnode);
	g_free(v->fs_type);
	g_free(v->fs_uuid);
	g_free(v->fs_label);
	g_free(v);
}

static void
device_free(FutUsbDevice *d)
{
	if (d == NULL)
		return;
	g_free(d->syspath);
	g_free(d->devnode);
	g_free(d->vendor);
	g_free(d->model);
	g_free(d->vid);
	g_free(d->pid);
	g_free(d->serial);
	g_ptr_array_unref(d->volumes);
	g_free(d->suspicious);
	g_free(d->asset_id);
	g_free(d->owner);
	g_free(d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FutUsbDevice, device_free)

/* --- block layer ---------------------------------------------------------------------- */

gboolean
fut_blockdev_set_readonly(const gchar *devnode, gboolean readonly, GError **error)
{
	int fd, flag = readonly ? 1 : 0, now = -1;
	g_autofree gchar *edev = fut_strescape(devnode, -1);

	/* O_NONBLOCK: do not wait for media; O_RDONLY: never a write open, so no udev
	 * "watch" change event and no implicit flush. */
	fd = open(devnode, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fut_error_set_errno(error, errno, edev);
	if (ioctl(fd, BLKROSET, &flag) < 0 || ioctl(fd, BLKROGET, &now) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, edev);
	}
	close(fd);
	if (now != flag) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_IO,
		            _("%s: the read-only flag did not stick"), edev);
		return FALSE;
	}
	return TRUE;
}

gboolean
fut_blockdev_get_readonly(const gchar *devnode, gboolean *ret_readonly, GError **error)
{
	int fd, now = 0;
	g_autofree gchar *edev = fut_strescape(devnode, -1);

	fd = open(devnode, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fut_error_set_errno(error, errno, edev);
	if (ioctl(fd, BLKROGET, &now) < 0) {
		int e = errno;
		close(fd);
		return fut_error_set_errno(error, e, edev);
	}
	close(fd);
	*ret_readonly = now != 0;
	return TRUE;
}

/* --- interface descriptors ------------------------------------------------------------ */

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

/* Reads every interface of every configuration of the USB device at @busnum/@devnum with
 * libusb. Returns the reason it is suspicious, or NULL; a device libusb cannot read is
 * suspicious (fail closed). Caller frees. */
static gchar *
usb_check_descriptors(FutUsbStore *store, guint busnum, guint devnum)
{
	libusb_device **list = NULL;
	ssize_t n;
	gchar *reason = NULL;
	gboolean found = FALSE;

	if (store->usb == NULL)
		return g_strdup("cannot read USB descriptors (libusb unavailable)");
	n = libusb_get_device_list(store->usb, &list);
	if (n < 0)
		return g_strdup("cannot list USB devices");
	for (ssize_t i = 0; i < n && !found; i++) {
		struct libusb_device_descriptor dd;
		g_autoptr(GArray) triples = NULL;

		if (libusb_get_bus_number(list[i]) != busnum ||
		    libusb_get_device_address(list[i]) != devnum)
			continue;
		found = TRUE;
		if (libusb_get_device_descriptor(list[i], &dd) < 0) {
			reason = g_strdup("cannot read the USB device descriptor");
			break;
		}
		triples = g_array_new(FALSE, FALSE, sizeof(FutUsbClass));
		{
			FutUsbClass t = {dd.bDeviceClass, dd.bDeviceSubClass, dd.bDeviceProtocol};
			g_array_append_val(triples, t);
		}
		for (guint c = 0; c < dd.bNumConfigurations; c++) {
			struct libusb_config_descriptor *cfg = NULL;
			if (libusb_get_config_descriptor(list[i], c, &cfg) < 0) {
				reason = g_strdup("cannot read a USB configuration descriptor");
				break;
			}
			for (guint k = 0; k < cfg->bNumInterfaces; k++) {
				const struct libusb_interface *itf = &cfg->interface[k];
				for (int a = 0; a < itf->num_altsetting; a++) {
					const struct libusb_interface_descriptor *id =
					    &itf->altsetting[a];
					FutUsbClass t = {id->bInterfaceClass,
					                 id->bInterfaceSubClass,
					                 id->bInterfaceProtocol};
					g_array_append_val(triples, t);
				}
			}
			libusb_free_config_descriptor(cfg);
		}
		if (reason == NULL) {
			const gchar *why = fut_usb_interfaces_suspicious(
			    (const FutUsbClass *)(void *)triples->data, triples->len);
			if (why != NULL)
				reason = g_strdup(why);
		}
	}
	libusb_free_device_list(list, 1);
	if (!found)
		return g_strdup("the USB device is not visible to libusb");
	return reason;
}

/* --- recognition ---------------------------------------------------------------------- */

/* USB mass storage: udev's usb_id says the bus is USB (usb-storage and uas alike), or the
 * device sits below a USB device in sysfs, behind any number of hubs. Any block device on
 * the USB bus counts, whatever its driver: what cannot be told apart is protected. */
static gboolean
is_usb_block(struct udev_device *d)
{
	const gchar *bus = udev_device_get_property_value(d, "ID_BUS");

	if (g_strcmp0(bus, "usb") == 0)
		return TRUE;
	return udev_device_get_parent_with_subsystem_devtype(d, "usb", NULL) != NULL;
}

static gchar *
prop_dup(struct udev_device *d, const gchar *name)
{
	const gchar *v = udev_device_get_property_value(d, name);
	return v != NULL && *v != '\0' ? g_strdup(v) : NULL;
}

static FutUsbVolume *
volume_from_udev(struct udev_device *d)
{
	FutUsbVolume *v = g_new0(FutUsbVolume, 1);
	const gchar *size = udev_device_get_sysattr_value(d, "size");

	dev_t num = udev_device_get_devnum(d);

	v->devnode = g_strdup(udev_device_get_devnode(d));
	v->major = major(num);
	v->minor = minor(num);
	v->fs_type = prop_dup(d, "ID_FS_TYPE");
	v->fs_uuid = prop_dup(d, "ID_FS_UUID");
	v->fs_label = prop_dup(d, "ID_FS_LABEL");
	v->size = size != NULL ? g_ascii_strtoull(size, NULL, 10) * 512 : 0;
	return v;
}

static gchar *
device_check_suspicious(FutUsbStore *store, struct udev_device *disk)
{
	struct udev_device *usbdev =
	    udev_device_get_parent_with_subsystem_devtype(disk, "usb", "usb_device");
	g_autofree FutUsbClass *t = NULL;
	guint n = 0;
	const gchar *why;

	if (usbdev != NULL) {
		const gchar *bus = udev_device_get_sysattr_value(usbdev, "busnum");
		const gchar *dev = udev_device_get_sysattr_value(usbdev, "devnum");
		if (bus == NULL || dev == NULL)
			return g_strdup("cannot find the USB bus address");
		return usb_check_descriptors(store, (guint)g_ascii_strtoull(bus, NULL, 10),
		                             (guint)g_ascii_strtoull(dev, NULL, 10));
	}
	/* No USB device in sysfs above this disk (a disk that udev calls USB by property
	 * only): fall back to the interface list udev recorded. */
	if (!fut_usb_parse_interfaces_property(
	        udev_device_get_property_value(disk, "ID_USB_INTERFACES"), &t, &n))
		return g_strdup("the USB interface list is unknown");
	why = fut_usb_interfaces_suspicious(t, n);
	return why != NULL ? g_strdup(why) : NULL;
}

static FutUsbDevice *
device_from_udev(FutUsbStore *store, struct udev_device *disk)
{
	g_autoptr(FutUsbDevice) d = g_new0(FutUsbDevice, 1);
	g_autoptr(FutUdevEnumerate) en = udev_enumerate_new(store->udev);
	struct udev_list_entry *e;
	const gchar *size = udev_device_get_sysattr_value(disk, "size");
	dev_t devnum = udev_device_get_devnum(disk);

	d->syspath = g_strdup(udev_device_get_syspath(disk));
	d->devnode = g_strdup(udev_device_get_devnode(disk));
	d->major = major(devnum);
	d->minor = minor(devnum);
	d->vendor = prop_dup(disk, "ID_VENDOR");
	d->model = prop_dup(disk, "ID_MODEL");
	d->vid = prop_dup(disk, "ID_VENDOR_ID");
	d->pid = prop_dup(disk, "ID_MODEL_ID");
	d->serial = prop_dup(disk, "ID_SERIAL_SHORT");
	d->capacity = size != NULL ? g_ascii_strtoull(size, NULL, 10) * 512 : 0;
	d->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)volume_free);
	if (udev_device_get_property_value(disk, "ID_FS_TYPE") != NULL)
		g_ptr_array_add(d->volumes, volume_from_udev(disk));
	udev_enumerate_add_match_subsystem(en, "block");
	udev_enumerate_add_match_parent(en, disk);
	udev_enumerate_scan_devices(en);
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
	{
		g_autoptr(FutUdevDevice) p =
		    udev_device_new_from_syspath(store->udev, udev_list_entry_get_name(e));
		if (p == NULL || g_strcmp0(udev_device_get_devtype(p), "partition") != 0)
			continue;
		if (udev_device_get_devnode(p) != NULL)
			g_ptr_array_add(d->volumes, volume_from_udev(p));
	}
	d->suspicious = device_check_suspicious(store, disk);
	if (store->lookup != NULL && d->vid != NULL && d->pid != NULL && d->serial != NULL)
		store->lookup(d->vid, d->pid, d->serial, &d->asset_id, &d->owner,
		              store->lookup_data);
	return g_steal_pointer(&d);
}

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
	device_free(value);
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

	if (!is_usb_block(disk) || udev_device_get_devnode(disk) == NULL) {
		/* A loop device detached, or a disk that stopped being USB: it is gone. */
		forget(store, syspath);
		return TRUE;
	}
	d = device_from_udev(store, disk);
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
			if (g_strcmp0(action, "remove") != 0 || is_usb_block(dev)) {
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
	store->devices =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)device_free);
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

static gboolean
device_matches(const FutUsbDevice *d, const gchar *spec)
{
	if (g_strcmp0(d->serial, spec) == 0 || g_strcmp0(d->asset_id, spec) == 0)
		return TRUE;
	for (guint i = 0; i < d->volumes->len; i++) {
		const FutUsbVolume *v = g_ptr_array_index(d->volumes, i);
		struct stat st;
		g_autoptr(GPtrArray) mounts = NULL;

		if (g_strcmp0(v->fs_label, spec) == 0)
			return TRUE;
		if (spec[0] != '/' || stat(v->devnode, &st) < 0)
			continue;
		mounts = fut_mounts_for_device(major(st.st_rdev), minor(st.st_rdev), NULL);
		for (guint j = 0; mounts != NULL && j < mounts->len; j++) {
			const FutMount *m = g_ptr_array_index(mounts, j);
			if (g_str_equal(m->mount_point, spec))
				return TRUE;
		}
	}
	return FALSE;
}

const FutUsbDevice *
fut_usb_store_find(FutUsbStore *store, const gchar *spec, GError **error)
{
	g_autoptr(GPtrArray) all = fut_usb_store_get_devices(store);
	const FutUsbDevice *found = NULL;
	g_autofree gchar *espec = fut_strescape(spec, -1);

	for (guint i = 0; i < all->len; i++) {
		const FutUsbDevice *d = g_ptr_array_index(all, i);
		if (!device_matches(d, spec))
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

static void
add_str(JsonBuilder *b, const gchar *name, const gchar *value)
{
	json_builder_set_member_name(b, name);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

JsonObject *
fut_usb_device_to_json(const FutUsbDevice *d)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	add_str(b, "devnode", d->devnode);
	add_str(b, "vendor", d->vendor);
	add_str(b, "product", d->model);
	add_str(b, "vid", d->vid);
	add_str(b, "pid", d->pid);
	add_str(b, "serial", d->serial);
	json_builder_set_member_name(b, "capacity");
	json_builder_add_int_value(b, (gint64)d->capacity);
	json_builder_set_member_name(b, "readonly");
	json_builder_add_boolean_value(b, d->readonly);
	add_str(b, "suspicious", d->suspicious);
	add_str(b, "asset_id", d->asset_id);
	add_str(b, "owner", d->owner);
	json_builder_set_member_name(b, "volumes");
	json_builder_begin_array(b);
	for (guint i = 0; i < d->volumes->len; i++) {
		const FutUsbVolume *v = g_ptr_array_index(d->volumes, i);
		json_builder_begin_object(b);
		add_str(b, "devnode", v->devnode);
		add_str(b, "fs_type", v->fs_type);
		add_str(b, "fs_uuid", v->fs_uuid);
		add_str(b, "fs_label", v->fs_label);
		json_builder_set_member_name(b, "size");
		json_builder_add_int_value(b, (gint64)v->size);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_object_ref(json_node_get_object(root));
}
