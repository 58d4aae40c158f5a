/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <poppler.h>

#include "content-private.h"
#include "util.h"

/* poppler-glib 22 has no autoptr cleanups of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PopplerDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PopplerPage, g_object_unref)

/* PDF: the text of every page, extracted with poppler-glib, goes to the scanner, so a PDF
 * is classified by what it says. A PDF poppler cannot open is Class II with poppler's
 * reason; a password-protected one is Class II "encrypted"; one with pages but no text at
 * all is most likely a scan, which is not read (no OCR): Class II. */

#define PDF_PAGES_MAX 10000

/* poppler keeps its global parameters (among them the list of its CMap files, which read
 * Japanese text in fonts that are not embedded) only while a document is open, and lists
 * those files again for each new one. In the sandboxed worker no folder can be listed, so
 * a document opened before the sandbox is kept for the configuration's life: the list made
 * then stays, and a CMap is read from it when a font needs one (the worker may read that
 * folder and nothing else). */
GBytes *
fut_pdf_build(const gchar *const *objs, gsize n_objs)
{
	GString *pdf = g_string_new("%PDF-1.4\n");
	g_autofree gsize *offsets = g_new(gsize, n_objs);
	gsize xref;

	for (gsize i = 0; i < n_objs; i++) {
		offsets[i] = pdf->len;
		g_string_append_printf(pdf, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	xref = pdf->len;
	g_string_append_printf(pdf, "xref\n0 %zu\n0000000000 65535 f \n", n_objs + 1);
	for (gsize i = 0; i < n_objs; i++)
		g_string_append_printf(pdf, "%010zu 00000 n \n", offsets[i]);
	g_string_append_printf(pdf,
	                       "trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	                       n_objs + 1, xref);
	return g_string_free_to_bytes(pdf);
}

GObject *
content_pdf_keep_params(void)
{
	static const gchar *const objs[] = {
	    "<< /Type /Catalog /Pages 2 0 R >>",
	    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
	};
	g_autoptr(GBytes) bytes = fut_pdf_build(objs, G_N_ELEMENTS(objs));

	return (GObject *)poppler_document_new_from_bytes(bytes, NULL, NULL);
}

void
content_scan_pdf(Ctx *ctx, const guint8 *data, gsize len, guint depth, const gchar *name)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(PopplerDocument) doc = poppler_document_new_from_bytes(bytes, NULL, &error);
	gboolean any_text = FALSE;
	B64Extract *b64;
	int pages;

	if (doc == NULL) {
		g_autofree gchar *why = fut_strescape(error != NULL ? error->message : "?", -1);
		if (g_error_matches(error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
			content_problem(ctx, "encrypted", _("%s: password-protected PDF"), name);
		else
			content_problem(ctx, "malformed", _("%s: PDF that cannot be read (%s)"),
			                name, why);
		return;
	}
	pages = poppler_document_get_n_pages(doc);
	if (pages > PDF_PAGES_MAX) {
		content_problem(ctx, "too-large", _("%s: PDF of more than %d pages"), name,
		                PDF_PAGES_MAX);
		return;
	}
	/* the text is watched for base64 as a text file's is (base64scan.c) */
	b64 = content_b64_new(ctx);
	for (int i = 0; i < pages && !ctx->abort; i++) {
		g_autoptr(PopplerPage) page = poppler_document_get_page(doc, i);
		g_autofree gchar *text = page != NULL ? poppler_page_get_text(page) : NULL;
		gsize n;
		if (page == NULL) {
			content_problem(ctx, "malformed", _("%s: page %d cannot be read"), name,
			                i + 1);
			continue;
		}
		if (text == NULL)
			continue;
		n = strlen(text);
		if (!content_take_budget(ctx, n, name))
			break;
		for (gsize k = 0; k < n && !any_text; k++)
			any_text = !g_ascii_isspace(text[k]);
		content_b64_feed(b64, (const guint8 *)text, n);
		content_b64_feed(b64, (const guint8 *)"\n", 1);
		fut_scanner_feed(&ctx->scan, (const guint8 *)text, n);
		fut_scanner_feed(&ctx->scan, (const guint8 *)"\n", 1);
	}
	content_b64_finish(b64, depth);
	if (pages > 0 && !any_text)
		content_problem(ctx, "unsupported",
		                _("%s: PDF without text (a scan?): images are not read"), name);
}
