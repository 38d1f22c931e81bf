/* Unit tests of src/core/errno_name.c: errno values by name on the wire. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "errno_name.h"

#include <errno.h>
#include <string.h>

struct named_errno {
	const char *name;
	int err;
};

#define NAMED(e)      \
	{             \
#e, e \
	}

/* Every name of protocol.md section 7, in its order. */
static const struct named_errno protocol_names[] = {
	NAMED(EPERM),	   NAMED(ENOENT),    NAMED(EIO),
	NAMED(ENXIO),	   NAMED(E2BIG),     NAMED(EBADF),
	NAMED(EAGAIN),	   NAMED(ENOMEM),    NAMED(EACCES),
	NAMED(EBUSY),	   NAMED(EEXIST),    NAMED(EXDEV),
	NAMED(ENODEV),	   NAMED(ENOTDIR),   NAMED(EISDIR),
	NAMED(EINVAL),	   NAMED(ENFILE),    NAMED(EMFILE),
	NAMED(ETXTBSY),	   NAMED(EFBIG),     NAMED(ENOSPC),
	NAMED(ESPIPE),	   NAMED(EROFS),     NAMED(EMLINK),
	NAMED(EPIPE),	   NAMED(ERANGE),    NAMED(ENAMETOOLONG),
	NAMED(ENOSYS),	   NAMED(ENOTEMPTY), NAMED(ELOOP),
	NAMED(ENODATA),	   NAMED(EOVERFLOW), NAMED(EPROTO),
	NAMED(EOPNOTSUPP), NAMED(ENOTSUP),   NAMED(EPROTONOSUPPORT),
	NAMED(ETIMEDOUT),  NAMED(ESTALE),    NAMED(EDQUOT),
	NAMED(ECANCELED),  NAMED(EINTR),
};

#define NAME_COUNT (sizeof(protocol_names) / sizeof(protocol_names[0]))

static void test_every_name_decodes(void **state)
{
	(void)state;
	assert_int_equal(NAME_COUNT, 41);
	for (size_t i = 0; i < NAME_COUNT; i++)
		assert_int_equal(wf_errno_from_name(protocol_names[i].name),
				 protocol_names[i].err);
}

static void test_every_errno_encodes(void **state)
{
	(void)state;
	for (size_t i = 0; i < NAME_COUNT; i++) {
		const char *name = wf_errno_name(protocol_names[i].err);

		/* Linux aliases: the name must decode to the same value. */
		assert_int_equal(wf_errno_from_name(name),
				 protocol_names[i].err);
		if (protocol_names[i].err != ENOTSUP || ENOTSUP != EOPNOTSUPP)
			assert_string_equal(name, protocol_names[i].name);
	}
	assert_string_equal(wf_errno_name(ENOTSUP), "EOPNOTSUPP");
}

static void test_unknown_values(void **state)
{
	(void)state;
	assert_string_equal(wf_errno_name(0), "EIO");
	assert_string_equal(wf_errno_name(-ENOENT), "EIO");
	assert_string_equal(wf_errno_name(9999), "EIO");
	assert_string_equal(wf_errno_name(ENOLINK), "EIO");
	assert_string_equal(wf_errno_name(ECONNRESET), "EIO");
}

static void test_unknown_names(void **state)
{
	(void)state;
	assert_int_equal(wf_errno_from_name(NULL), EIO);
	assert_int_equal(wf_errno_from_name(""), EIO);
	assert_int_equal(wf_errno_from_name("enoent"), EIO);
	assert_int_equal(wf_errno_from_name("ENOENT "), EIO);
	assert_int_equal(wf_errno_from_name(" ENOENT"), EIO);
	assert_int_equal(wf_errno_from_name("ENOEN"), EIO);
	assert_int_equal(wf_errno_from_name("ENOENTX"), EIO);
	assert_int_equal(wf_errno_from_name("ENOLINK"), EIO);
	assert_int_equal(wf_errno_from_name("ENOTCONN"), EIO);
	assert_int_equal(wf_errno_from_name("2"), EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_name_decodes),
		cmocka_unit_test(test_every_errno_encodes),
		cmocka_unit_test(test_unknown_values),
		cmocka_unit_test(test_unknown_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
