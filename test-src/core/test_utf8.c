/* Unit tests of the UTF-8 check that decides which names can travel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "utf8.h"

#include <string.h>

static bool valid(const char *s)
{
	return wf_utf8_valid(s, strlen(s));
}

static void accepts_well_formed(void **state)
{
	(void)state;
	assert_true(valid(""));
	assert_true(valid("plain ascii"));
	assert_true(valid("gr\xc3\xbc\xc3\x9f")); /* U+00FC U+00DF */
	assert_true(valid("\xe2\x82\xac"));	  /* U+20AC */
	assert_true(valid("\xf0\x9f\x98\x80"));	  /* U+1F600 */
	assert_true(valid("\xf4\x8f\xbf\xbf"));	  /* U+10FFFF */
	assert_true(valid("\xed\x9f\xbf"));	  /* U+D7FF */
}

static void rejects_malformed(void **state)
{
	(void)state;
	assert_false(valid("\xff"));
	assert_false(valid("\x80"));		 /* lone continuation */
	assert_false(valid("\xc3"));		 /* truncated */
	assert_false(valid("\xe2\x82"));	 /* truncated */
	assert_false(valid("\xc0\xaf"));	 /* overlong '/' */
	assert_false(valid("\xe0\x80\xaf"));	 /* overlong '/' */
	assert_false(valid("\xf0\x80\x80\xaf")); /* overlong '/' */
	assert_false(valid("\xed\xa0\x80"));	 /* surrogate U+D800 */
	assert_false(valid("\xf4\x90\x80\x80")); /* above U+10FFFF */
	assert_false(valid("a\xc3(b"));		 /* bad continuation */
	assert_false(wf_utf8_valid("a\0b", 3));	 /* NUL inside */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_well_formed),
		cmocka_unit_test(rejects_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
