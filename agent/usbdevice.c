/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mounts.h"
#include "usbstore-private.h"

/* What a USB storage device is: recognised from udev (and its descriptors read with
 * libusb), matched against what a user typed, described as JSON. Nothing here writes to a
 * device or changes its flags. */

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

void
fut_usb_device_free(FutUsbDevice *d)
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

/* USB mass storage: udev's usb_id says the bus is USB (usb-storage and uas alike), or the
 * device sits below a USB device in sysfs, behind any number of hubs. Any block device on
 * the USB bus counts, whatever its driver: what cannot be told apart is protected. */
gboolean
fut_usb_is_usb_block(struct udev_device *d)
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

FutUsbDevice *
fut_usb_device_from_udev(FutUsbStore *store, struct udev_device *disk)
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

gboolean
fut_usb_device_matches(const FutUsbDevice *d, const gchar *spec)
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
