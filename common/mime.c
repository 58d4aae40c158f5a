/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gmime/gmime.h>

#include "content-private.h"
#include "util.h"

#define MIME_NESTED_MAX 256

/* GMime 3.2 has no autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GMimeMessage, g_object_unref)

/* A mail message (.eml), read with GMime: the subject, and every part decoded (base64,
 * quoted-printable) and classified like a file, attachments included; their names are
 * scanned for markings. */

static void
feed_text(Ctx *ctx, const gchar *s)
{
	if (s != NULL) {
		fut_scanner_feed(&ctx->scan, (const guint8 *)s, strlen(s));
		fut_scanner_feed(&ctx->scan, (const guint8 *)"\n", 1);
	}
}

typedef struct {
	Ctx *ctx;
	guint depth;
	const gchar *name;
	guint parts;
	guint nest; /* messages inside messages */
} MimeWalk;

static void
scan_part(GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
	MimeWalk *w = user_data;
	Ctx *ctx = w->ctx;
	GMimeDataWrapper *content;
	g_autoptr(GMimeStream) mem = NULL;
	g_autofree gchar *shown = NULL;
	const gchar *filename;
	GByteArray *bytes;

	if (ctx->abort)
		return;
	if (GMIME_IS_MESSAGE_PART(part)) {
		/* a forwarded message: its own headers; its parts are walked too */
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
		if (m == NULL)
			return;
		if (w->nest >= ctx->cl->archive_max_depth) {
			content_problem(ctx, "unsupported",
			                _("%s: messages nested deeper than %u levels"), w->name,
			                ctx->cl->archive_max_depth);
			return;
		}
		feed_text(ctx, g_mime_message_get_subject(m));
		w->nest++;
		g_mime_message_foreach(m, scan_part, w);
		w->nest--;
		return;
	}
	if (!GMIME_IS_PART(part))
		return;
	w->parts++;
	filename = g_mime_part_get_filename(GMIME_PART(part));
	feed_text(ctx, filename);
	shown = content_shown_name(filename != NULL ? filename : w->name);
	content = g_mime_part_get_content(GMIME_PART(part));
	if (content == NULL)
		return;
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(content, mem) < 0) {
		content_problem(ctx, "malformed", _("%s: a part cannot be decoded"), shown);
		return;
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (!content_take_budget(ctx, bytes->len, shown))
		return;
	content_scan_buffer(ctx, bytes->data, bytes->len, w->depth + 1, shown);
}

/* GMime's parser recurses for every nested multipart: a message nested thousands deep
 * would exhaust the stack. Each level needs a Content-Type naming multipart/ or message/,
 * so counting those bounds the depth before GMime sees the message. */
static guint
count_nesting(const guint8 *data, gsize len)
{
	guint n = 0;

	for (gsize i = 0; i + 10 <= len; i++) {
		if ((data[i] | 0x20) == 'm' &&
		    (g_ascii_strncasecmp((const gchar *)data + i, "multipart/", 10) == 0 ||
		     g_ascii_strncasecmp((const gchar *)data + i, "message/", 8) == 0))
			n++;
	}
	return n;
}

void
content_scan_mime(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name)
{
	g_autoptr(GMimeStream) stream = NULL;
	g_autoptr(GMimeParser) parser = NULL;
	g_autoptr(GMimeMessage) message = NULL;
	MimeWalk walk = {ctx, depth, name, 0, 0};

	if (depth > ctx->cl->archive_max_depth) {
		content_problem(ctx, "unsupported", _("%s: message nested deeper than %u levels"),
		                name, ctx->cl->archive_max_depth);
		return;
	}
	if (count_nesting(data, len) > MIME_NESTED_MAX) {
		content_problem(ctx, "unsupported",
		                _("%s: a mail message with more than %d multipart or message "
		                  "parts, not read"),
		                name, MIME_NESTED_MAX);
		return;
	}
	stream = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	parser = g_mime_parser_new_with_stream(stream);
	message = g_mime_parser_construct_message(parser, NULL);
	if (message == NULL) {
		content_problem(ctx, "malformed", _("%s: a mail message that cannot be read"),
		                name);
		return;
	}
	feed_text(ctx, g_mime_message_get_subject(message));
	g_mime_message_foreach(message, scan_part, &walk);
	if (walk.parts == 0 && g_mime_message_get_mime_part(message) == NULL)
		content_problem(ctx, "malformed", _("%s: a mail message without a body"), name);
}
