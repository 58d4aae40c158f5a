/* SPDX-License-Identifier: GPL-2.0-or-later */
/* futari-approve: the approver's and the security manager's command-line tool.
 *
 *   keygen   make an approver key pair (passphrase-encrypted secret key)
 *   certify  create the organisation root key, or sign an approver certificate with it
 *   revoke   issue a new signed revocation list
 *   show     review a request (or an approval, certificate, revocation list)
 *   sign     approve a request
 *   reject   reject a request
 *
 * Exit status: 0 success, 1 refused or invalid input (one line on stderr), 2 usage. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "approve-common.h"
#include "approve-issued.h"
#include "approve-review.h"
#include "crypto.h"
#include "errors.h"
#include "fields.h"

#define DEFAULT_CERT_VALIDITY (365 * 86400)

static gboolean
name_is_safe(const gchar *name)
{
	if (name == NULL || name[0] == '\0' || name[0] == '.' || strlen(name) > 64)
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++) {
		if (!(g_ascii_isalnum(*p) || *p == '.' || *p == '_' || *p == '-'))
			return FALSE;
	}
	return TRUE;
}

static gboolean
ensure_dir(const gchar *dir, GError **error)
{
	g_autofree gchar *safe = fut_strescape(dir, -1);

	if (g_mkdir_with_parents(dir, 0700) < 0)
		return fut_error_set_errno(error, errno, safe);
	return TRUE;
}

/* Writes a new key pair DIR/NAME.key (encrypted) and DIR/NAME.pub. */
static gboolean
write_key_pair(const gchar *dir,
               const gchar *name,
               const gchar *passphrase_file,
               const gchar *prompt,
               FutKey **ret_key,
               GError **error)
{
	g_autofree gchar *secret_path = NULL;
	g_autofree gchar *public_path = NULL;
	g_autoptr(FutSecret) pass = NULL;
	g_autoptr(FutKey) key = NULL;

	if (!ensure_dir(dir, error))
		return FALSE;
	secret_path = g_strconcat(dir, "/", name, ".key", NULL);
	public_path = g_strconcat(dir, "/", name, ".pub", NULL);
	if (g_file_test(secret_path, G_FILE_TEST_EXISTS) ||
	    g_file_test(public_path, G_FILE_TEST_IS_SYMLINK | G_FILE_TEST_EXISTS)) {
		g_autofree gchar *safe = fut_strescape(secret_path, -1);
		g_set_error(error, FUT_ERROR, FUT_ERROR_EXISTS,
		            _("%s (or its .pub) already exists; refusing to overwrite a key"),
		            safe);
		return FALSE;
	}
	pass = fut_approve_read_passphrase(passphrase_file, prompt, TRUE, error);
	if (pass == NULL)
		return FALSE;
	key = fut_key_generate(error);
	if (key == NULL || !fut_key_save_secret(key, secret_path, pass, 0, error))
		return FALSE;
	if (!fut_key_save_public(key, public_path, error)) {
		g_unlink(secret_path);
		return FALSE;
	}
	if (ret_key != NULL)
		*ret_key = g_steal_pointer(&key);
	return TRUE;
}

/* --- keygen ---------------------------------------------------------------------- */

static gint
cmd_keygen(gint argc, gchar **argv)
{
	g_autofree gchar *name = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *pass_file = NULL;
	g_autoptr(FutKey) key = NULL;
	g_autofree gchar *id = NULL;
	g_autoptr(GOptionContext) ctx = NULL;
	GError *error = NULL;
	gboolean allow_root = FALSE;
	GOptionEntry entries[] = {
	    {"name", 0, 0, G_OPTION_ARG_STRING, &name,
	     N_("Name of the key files (NAME.key, NAME.pub)"), N_("NAME")},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out, N_("Directory for the key files"),
	     N_("DIR")},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &pass_file,
	     N_("Read the passphrase from the first line of FILE (for scripts)"), N_("FILE")},
	    {"allow-root", 0, 0, G_OPTION_ARG_NONE, &allow_root, N_("Allow running as root"), NULL},
	    {NULL}};

	ctx = g_option_context_new(NULL);
	g_option_context_set_summary(
	    ctx, _("Make an approver key pair. The secret key is encrypted with a passphrase (the "
	           "second factor); give NAME.pub to the security manager to get a certificate."));
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return fut_approve_usage("keygen", error->message);
	if (argc != 1 || name == NULL || out == NULL)
		return fut_approve_usage("keygen",
		                         _("keygen needs --name and --out, nothing else"));
	if (!name_is_safe(name))
		return fut_approve_usage(
		    "keygen", _("--name may hold only letters, digits, '.', '_' and '-'"));
	if (!fut_approve_check_root(allow_root, &error))
		return fut_approve_fail(error);
	if (!write_key_pair(out, name, pass_file, _("Passphrase for the new key: "), &key, &error))
		return fut_approve_fail(error);
	id = fut_key_dup_id_string(key);
	{
		g_autofree gchar *safe_out = fut_strescape(out, -1);
		g_print(_("Wrote %s/%s.key (secret, encrypted) and %s/%s.pub; key id %s.\n"),
		        safe_out, name, safe_out, name, id);
		g_print(_("Give %s.pub to the security manager to be certified, and save the "
		          "certificate you get back as %s/%s.futari-certificate.\n"),
		        name, safe_out, name);
	}
	return FUT_EXIT_OK;
}

/* --- certify ---------------------------------------------------------------------- */

static gboolean
parse_classes(const gchar *s, guint *ret, GError **error)
{
	g_auto(GStrv) parts = g_strsplit_set(s, ", ", -1);
	guint bits = 0;

	for (guint i = 0; parts[i] != NULL; i++) {
		FutClass k;
		if (parts[i][0] == '\0')
			continue;
		k = fut_class_from_string(parts[i]);
		if (k == FUT_CLASS_INVALID) {
			g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
			            _("--classes takes I, II and III, separated by commas"));
			return FALSE;
		}
		bits |= 1u << k;
	}
	if (bits == 0) {
		g_set_error(error, FUT_ERROR, FUT_ERROR_INVALID_DATA,
		            _("--classes must name at least one class"));
		return FALSE;
	}
	*ret = bits;
	return TRUE;
}

static void
add_split(GPtrArray *out, gchar **values)
{
	for (guint i = 0; values != NULL && values[i] != NULL; i++) {
		g_auto(GStrv) parts = g_strsplit(values[i], ",", -1);
		for (guint k = 0; parts[k] != NULL; k++) {
			g_strstrip(parts[k]);
			if (parts[k][0] != '\0')
				g_ptr_array_add(out, g_strdup(parts[k]));
		}
	}
}

static gint
cmd_certify(gint argc, gchar **argv)
{
	g_autofree gchar *init_root = NULL;
	g_autofree gchar *root_path = NULL;
	g_autofree gchar *key_path = NULL;
	g_autofree gchar *staff_id = NULL;
	g_autofree gchar *name = NULL;
	g_auto(GStrv) logins = NULL;
	g_auto(GStrv) roles = NULL;
	g_autofree gchar *classes = NULL;
	g_autofree gchar *valid_for = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *pass_file = NULL;
	g_autofree gchar *replaces = NULL;
	g_autofree gchar *issued_path = NULL;
	g_autoptr(FutIssued) issued = NULL;
	guint8 replaced[FUT_SERIAL_LEN];
	gboolean allow_root = FALSE;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(FutCertificate) cert = NULL;
	g_autoptr(FutKey) subject = NULL;
	g_autoptr(FutKey) root = NULL;
	g_autoptr(FutSecret) pass = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *serial = NULL;
	GError *error = NULL;
	gint64 validity = DEFAULT_CERT_VALIDITY;
	GOptionEntry entries[] = {
	    {"init-root", 0, 0, G_OPTION_ARG_FILENAME, &init_root,
	     N_("Create the organisation root key pair in DIR (org.key, org.pub) and stop"),
	     N_("DIR")},
	    {"root-key", 0, 0, G_OPTION_ARG_FILENAME, &root_path,
	     N_("The organisation root secret key (org.key)"), N_("FILE")},
	    {"key", 0, 0, G_OPTION_ARG_FILENAME, &key_path,
	     N_("The approver's public key file (from keygen)"), N_("FILE")},
	    {"id", 0, 0, G_OPTION_ARG_STRING, &staff_id, N_("Staff id"), N_("ID")},
	    {"name", 0, 0, G_OPTION_ARG_STRING, &name, N_("Display name"), N_("NAME")},
	    {"login", 0, 0, G_OPTION_ARG_STRING_ARRAY, &logins,
	     N_("A Unix login of this person (repeat for each)"), N_("LOGIN")},
	    {"role", 0, 0, G_OPTION_ARG_STRING_ARRAY, &roles,
	     N_("A role: info-manager, security-manager, ... (repeat or separate by commas)"),
	     N_("ROLE")},
	    {"classes", 0, 0, G_OPTION_ARG_STRING, &classes,
	     N_("Classes this person may approve, e.g. II or I,II"), N_("LIST")},
	    {"valid-for", 0, 0, G_OPTION_ARG_STRING, &valid_for,
	     N_("Validity of the certificate (default 365d)"), N_("DURATION")},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out,
	     N_("Write the certificate to FILE (default: standard output)"), N_("FILE")},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &pass_file,
	     N_("Read the root key passphrase from the first line of FILE"), N_("FILE")},
	    {"replaces", 0, 0, G_OPTION_ARG_STRING, &replaces,
	     N_("Re-issue: the new certificate replaces this one of the same person, which goes "
	        "on the next revocation list"),
	     N_("SERIAL")},
	    {"issued", 0, 0, G_OPTION_ARG_FILENAME, &issued_path,
	     N_("The issued-certificates record (default: issued-certificates next to the root "
	        "key)"),
	     N_("FILE")},
	    {"allow-root", 0, 0, G_OPTION_ARG_NONE, &allow_root, N_("Allow running as root"), NULL},
	    {NULL}};

	ctx = g_option_context_new(NULL);
	g_option_context_set_summary(
	    ctx, _("For the security manager. Either create the organisation root key:\n"
	           "  futari-approve certify --init-root DIR\n"
	           "or certify an approver with it:\n"
	           "  futari-approve certify --root-key DIR/org.key --key alice.pub --id S1001 \\\n"
	           "    --name \"Alice\" --login alice --role info-manager --classes II "
	           "--out alice.futari-certificate"));
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return fut_approve_usage("certify", error->message);
	if (argc != 1)
		return fut_approve_usage("certify", _("certify takes no arguments, only options"));
	if (init_root != NULL) {
		g_autoptr(FutKey) k = NULL;
		g_autofree gchar *id = NULL;
		g_autofree gchar *safe = fut_strescape(init_root, -1);
		if (root_path != NULL || key_path != NULL || staff_id != NULL)
			return fut_approve_usage("certify",
			                         _("--init-root does not go with other options"));
		if (!fut_approve_check_root(allow_root, &error))
			return fut_approve_fail(error);
		if (!write_key_pair(init_root, "org", pass_file,
		                    _("Passphrase for the organisation root key: "), &k, &error))
			return fut_approve_fail(error);
		id = fut_key_dup_id_string(k);
		g_print(_("Wrote the organisation root key %s/org.key (keep it offline) and "
		          "%s/org.pub (install it as /etc/futari/org.pub); key id %s.\n"),
		        safe, safe, id);
		return FUT_EXIT_OK;
	}
	if (root_path == NULL || key_path == NULL || staff_id == NULL || name == NULL ||
	    logins == NULL || roles == NULL || classes == NULL)
		return fut_approve_usage(
		    "certify", _("certify needs --root-key, --key, --id, --name, --login, "
		                 "--role and --classes (or --init-root)"));
	if (valid_for != NULL && !fut_duration_parse(valid_for, &validity, &error)) {
		g_prefix_error(&error, "--valid-for: ");
		return fut_approve_usage("certify", error->message);
	}
	if (replaces != NULL && !fut_serial_parse(replaces, replaced, &error)) {
		g_prefix_error(&error, "--replaces: ");
		return fut_approve_usage("certify", error->message);
	}
	if (!fut_approve_check_root(allow_root, &error))
		return fut_approve_fail(error);

	cert = fut_certificate_new();
	if (!parse_classes(classes, &cert->classes, &error))
		return fut_approve_usage("certify", error->message);
	subject = fut_key_load_public(key_path, &error);
	if (subject == NULL)
		return fut_approve_fail(error);
	fut_key_get_public(subject, cert->public_key);
	if (!fut_random_bytes(cert->serial, FUT_SERIAL_LEN, &error))
		return fut_approve_fail(error);
	cert->staff_id = g_strdup(staff_id);
	cert->name = g_strdup(name);
	add_split(cert->logins, logins);
	add_split(cert->roles, roles);
	cert->not_before = fut_approve_now() - 300; /* a little slack for clocks */
	cert->not_after = cert->not_before + validity;
	/* One person, one certificate: checked before the passphrase is asked for. */
	if (issued_path == NULL)
		issued_path = fut_issued_default_path(root_path);
	issued = fut_issued_load(issued_path, &error);
	if (issued == NULL)
		return fut_approve_fail(error);
	if (!fut_issued_admit(issued, cert, replaces != NULL ? replaced : NULL, fut_approve_now(),
	                      &error))
		return fut_approve_fail(error);

	pass = fut_approve_read_passphrase(
	    pass_file, _("Passphrase of the organisation root key: "), FALSE, &error);
	if (pass == NULL)
		return fut_approve_fail(error);
	root = fut_key_load_secret(root_path, pass, &error);
	if (root == NULL)
		return fut_approve_fail(error);
	if (fut_key_equal(root, subject)) {
		g_set_error(&error, FUT_ERROR, FUT_ERROR_REFUSED,
		            _("refusing to certify the root key itself as an approver"));
		return fut_approve_fail(error);
	}
	if (!fut_certificate_sign(cert, root, &error))
		return fut_approve_fail(error);
	text = fut_certificate_to_text(cert, &error);
	if (text == NULL)
		return fut_approve_fail(error);
	serial = fut_certificate_dup_serial_string(cert);
	/* Recorded before it is handed out: a certificate never exists unrecorded. */
	if (!fut_issued_save(issued, &error))
		return fut_approve_fail(error);
	if (!fut_approve_write_output(out, text, &error)) {
		g_prefix_error(&error,
		               _("the record lists certificate %s as issued, but it was not "
		                 "written (certify again with --replaces %s): "),
		               serial, serial);
		return fut_approve_fail(error);
	}
	if (out != NULL) {
		g_autofree gchar *safe = fut_strescape(out, -1);
		g_printerr(_("Wrote certificate %s (serial %s).\n"), safe, serial);
	}
	return FUT_EXIT_OK;
}

/* --- revoke ----------------------------------------------------------------------- */

static gint
cmd_revoke(gint argc, gchar **argv)
{
	g_autofree gchar *root_path = NULL;
	g_autofree gchar *previous = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *pass_file = NULL;
	g_autofree gchar *issued_path = NULL;
	g_autoptr(FutIssued) issued = NULL;
	guint replaced = 0;
	gboolean allow_root = FALSE;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(FutRevocationList) list = NULL;
	g_autoptr(FutSecret) pass = NULL;
	g_autoptr(FutKey) root = NULL;
	g_autofree gchar *text = NULL;
	GError *error = NULL;
	GOptionEntry entries[] = {
	    {"root-key", 0, 0, G_OPTION_ARG_FILENAME, &root_path,
	     N_("The organisation root secret key (org.key)"), N_("FILE")},
	    {"previous", 0, 0, G_OPTION_ARG_FILENAME, &previous,
	     N_("The current revocation list: its serials are kept, its sequence number grows"),
	     N_("FILE")},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &out,
	     N_("Write the new list to FILE (default: standard output)"), N_("FILE")},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &pass_file,
	     N_("Read the root key passphrase from the first line of FILE"), N_("FILE")},
	    {"issued", 0, 0, G_OPTION_ARG_FILENAME, &issued_path,
	     N_("The issued-certificates record: its replaced certificates are revoked too "
	        "(default: issued-certificates next to the root key)"),
	     N_("FILE")},
	    {"allow-root", 0, 0, G_OPTION_ARG_NONE, &allow_root, N_("Allow running as root"), NULL},
	    {NULL}};

	ctx = g_option_context_new(_("[SERIAL…]"));
	g_option_context_set_summary(
	    ctx, _("For the security manager: issue a new signed revocation list holding the "
	           "serials of the previous list and the SERIALs given (16 hex digits each, as "
	           "shown by \"futari-approve show CERTIFICATE\"). With no previous list and no "
	           "serial it issues an empty first list, which agents need before they accept "
	           "approvals."));
	g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return fut_approve_usage("revoke", error->message);
	if (root_path == NULL)
		return fut_approve_usage("revoke", _("revoke needs --root-key"));
	if (issued_path == NULL)
		issued_path = fut_issued_default_path(root_path);
	issued = fut_issued_load(issued_path, &error);
	if (issued == NULL)
		return fut_approve_fail(error);
	list = fut_revocation_list_new();
	for (gint i = 1; i < argc; i++) {
		guint8 serial[FUT_SERIAL_LEN];
		if (!fut_serial_parse(argv[i], serial, &error))
			return fut_approve_usage("revoke", error->message);
		fut_revocation_list_add(list, serial);
		fut_issued_mark_revoked(issued, serial);
	}
	if (!fut_approve_check_root(allow_root, &error))
		return fut_approve_fail(error);
	pass = fut_approve_read_passphrase(
	    pass_file, _("Passphrase of the organisation root key: "), FALSE, &error);
	if (pass == NULL)
		return fut_approve_fail(error);
	root = fut_key_load_secret(root_path, pass, &error);
	if (root == NULL)
		return fut_approve_fail(error);
	if (previous != NULL) {
		g_autofree gchar *safe = fut_strescape(previous, -1);
		g_autofree gchar *old_text = NULL;
		g_autoptr(FutRevocationList) old = NULL;
		gsize len = 0;
		old_text = fut_approve_read_file(previous, FUT_REVOCATION_TEXT_MAX, &len, &error);
		if (old_text == NULL)
			return fut_approve_fail(error);
		old = fut_revocation_list_parse(old_text, len, &error);
		if (old == NULL || !fut_revocation_list_verify(old, root, &error)) {
			g_prefix_error(&error, "%s: ", safe);
			return fut_approve_fail(error);
		}
		for (guint i = 0; i < old->serials->len; i++)
			fut_revocation_list_add(list, (const guint8 *)old->serials->data +
			                                  (gsize)i * FUT_SERIAL_LEN);
		list->sequence = old->sequence + 1;
	} else {
		list->sequence = 1;
	}
	/* Certificates replaced by a re-issue go on every list from then on. */
	replaced = fut_issued_add_revocations(issued, list);
	list->issued = fut_approve_now();
	if (!fut_revocation_list_sign(list, root, &error))
		return fut_approve_fail(error);
	text = fut_revocation_list_to_text(list, &error);
	if (text == NULL || !fut_approve_write_output(out, text, &error))
		return fut_approve_fail(error);
	if (argc > 1 && !fut_issued_save(issued, &error))
		return fut_approve_fail(error);
	if (replaced > 0)
		g_printerr(_("Added %u replaced certificate(s) from the issued-certificates "
		             "record.\n"),
		           replaced);
	if (out != NULL) {
		g_autofree gchar *safe = fut_strescape(out, -1);
		g_autofree gchar *seq = g_strdup_printf("%" G_GUINT64_FORMAT, list->sequence);
		g_printerr(_("Wrote revocation list %s (sequence %s, %u serials).\n"), safe, seq,
		           list->serials->len);
	}
	return FUT_EXIT_OK;
}

/* --- dispatch --------------------------------------------------------------------- */

typedef struct {
	const gchar *name;
	gint (*run)(gint argc, gchar **argv);
	const gchar *summary;
} Command;

static const Command commands[] = {
    {"keygen", cmd_keygen, N_("make an approver key pair")},
    {"certify", cmd_certify, N_("create the root key, or certify an approver (security manager)")},
    {"revoke", cmd_revoke, N_("issue a new revocation list (security manager)")},
    {"show", fut_approve_cmd_show, N_("review a request, approval, certificate or list")},
    {"sign", fut_approve_cmd_sign, N_("approve a request")},
    {"reject", fut_approve_cmd_reject, N_("reject a request")},
};

static void
print_help(FILE *to)
{
	fprintf(to, _("Usage: %s COMMAND [OPTION…]\n\nCommands:\n"), g_get_prgname());
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(to, "  %-9s %s\n", commands[i].name, _(commands[i].summary));
	fprintf(to, _("\nRun \"%s COMMAND --help\" for the options of a command.\n"),
	        g_get_prgname());
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_set_prgname("futari-approve");
	umask(077);

	if (argc < 2) {
		print_help(stderr);
		return FUT_EXIT_USAGE;
	}
	if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") ||
	    g_str_equal(argv[1], "help")) {
		print_help(stdout);
		return FUT_EXIT_OK;
	}
	if (g_str_equal(argv[1], "--version")) {
		g_print("futari-approve %s\n", PACKAGE_VERSION);
		return FUT_EXIT_OK;
	}
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (g_str_equal(argv[1], commands[i].name)) {
			g_autofree gchar *prg = g_strconcat("futari-approve ", argv[1], NULL);
			/* Messages and GOption's usage line then read "futari-approve sign". */
			g_set_prgname(prg);
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	{
		g_autofree gchar *safe = fut_strescape(argv[1], -1);
		g_autofree gchar *msg = g_strdup_printf(_("unknown command \"%s\""), safe);
		g_printerr("%s: %s\n", g_get_prgname(), msg);
		print_help(stderr);
	}
	return FUT_EXIT_USAGE;
}
