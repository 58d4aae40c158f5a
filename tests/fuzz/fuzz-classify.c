/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the whole classifier over a file's content (common/classify.c):
 * encodings, CSV, zip and Office Open XML through libzip, the text extractor and the
 * scanner. Whatever the content, the answer is a class with a reason, never a crash. */
#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "classify.h"
#include "fuzz-common.h"

static FutClassifier *classifier;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	classifier = fut_classifier_new(NULL, NULL, NULL);
	if (classifier == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(FutClassification) c = NULL;
	int fd = memfd_create("fuzz-classify", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	/* the name decides nothing here: content only */
	c = fut_classifier_classify_fd(classifier, fd, "/fuzz/input", FUT_CLASSIFY_FLAG_DIGEST);
	close(fd);
	if (c == NULL || c->klass < FUT_CLASS_I || c->klass > FUT_CLASS_III)
		abort();
	if (c->size != size)
		abort();
	/* anything but Class III carries a reason */
	if (c->klass != FUT_CLASS_III && c->evidence->len == 0)
		abort();
	return 0;
}
