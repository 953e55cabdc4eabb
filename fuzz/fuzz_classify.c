/*
 * fuzz_classify.c: libFuzzer target for the inbound classifier. Any bytes
 * must give a result, and its JSON, in bounded time and memory.
 */
#include <stddef.h>
#include <stdint.h>

#include <gmime/gmime.h>

#include "mail/classify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_mime_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cad_classification *c =
	    cad_classify((const char *)data, size, 1733097600);
	char *j = cad_classification_to_json(c, "fuzz");

	(void)cad_reply_answer(c->reply_text);
	g_free(j);
	cad_classification_free(c);
	return 0;
}
