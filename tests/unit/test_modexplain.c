// SPDX-License-Identifier: GPL-2.0
/*
 * insmod/rmmod explanations, from the wording the embedded target's
 * busybox and the kernel really print (captured from the guest), and from
 * kmod's tools as on Raspberry Pi OS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/module/modexplain.h"

static char msg[512];

#define LOAD(status, out, ...)                                              \
	({                                                                  \
		const char *k[] = { __VA_ARGS__ };                          \
		modexplain(MODOP_LOAD, "storage_hash", status, out, k,      \
			   sizeof(k) / sizeof(k[0]) - 1, msg, sizeof(msg)); \
	})

static void test_vermagic_precheck(void **state)
{
	const char *vm = "6.1.0-55-arm64 SMP mod_unload modversions aarch64";

	assert_int_equal(modexplain_vermagic(vm, "6.1.0-56-arm64\n", msg,
					     sizeof(msg)),
			 MODERR_VERMAGIC);
	assert_string_equal(
		msg,
		"vermagic mismatch: module built for 6.1.0-55-arm64, target runs 6.1.0-56-arm64; rebuild against the target kernel's headers");
	assert_int_equal(modexplain_vermagic(vm, "6.1.0-55-arm64", msg,
					     sizeof(msg)),
			 MODERR_NONE);
	/* A release that is a prefix of the other is still a mismatch. */
	assert_int_equal(modexplain_vermagic(vm, "6.1.0-55-arm64-rt", msg,
					     sizeof(msg)),
			 MODERR_VERMAGIC);
}

static void test_busybox_already_loaded(void **state)
{
	assert_int_equal(LOAD(17,
			      "insmod: can't insert '/tmp/h.ko': File exists\n",
			      NULL),
			 MODERR_ALREADY_LOADED);
	assert_non_null(strstr(msg, "already loaded"));
}

static void test_unknown_symbol_named_from_kmsg(void **state)
{
	assert_int_equal(
		LOAD(2,
		     "insmod: can't insert '/tmp/usym.ko': unknown symbol in module, or unknown parameter\n",
		     "[    2.250143] usym: Unknown symbol usbnet_get_endpoints (err -2)",
		     NULL),
		MODERR_UNKNOWN_SYMBOL);
	assert_non_null(strstr(msg, "unknown symbol usbnet_get_endpoints:"));
}

static void test_unknown_symbol_without_kmsg(void **state)
{
	assert_int_equal(
		LOAD(2,
		     "insmod: can't insert '/tmp/usym.ko': unknown symbol in module, or unknown parameter\n",
		     NULL),
		MODERR_UNKNOWN_SYMBOL);
}

static void test_symbol_versions_disagree(void **state)
{
	assert_int_equal(
		LOAD(8, "insmod: can't insert 'x.ko': invalid module format\n",
		     "storage_hash: disagrees about version of symbol module_layout",
		     NULL),
		MODERR_SYMVERS);
	assert_non_null(strstr(msg, "module_layout"));
}

static void test_invalid_format_and_kmod_wording(void **state)
{
	assert_int_equal(
		LOAD(8,
		     "insmod: can't insert '/tmp/g.ko': invalid module format\n",
		     NULL),
		MODERR_BAD_FORMAT);
	assert_int_equal(
		LOAD(1,
		     "insmod: ERROR: could not insert module x.ko: Invalid module format\n",
		     NULL),
		MODERR_BAD_FORMAT);
	assert_int_equal(
		LOAD(1,
		     "insmod: ERROR: could not insert module x.ko: Operation not permitted\n",
		     NULL),
		MODERR_PERMISSION);
	assert_int_equal(
		LOAD(1,
		     "insmod: ERROR: could not insert module x.ko: Key was rejected by service\n",
		     NULL),
		MODERR_SIGNATURE);
}

static void test_unknown_parameter_is_a_warning(void **state)
{
	assert_int_equal(LOAD(0, "",
			      "kmod_hello: unknown parameter 'bogus' ignored",
			      NULL),
			 MODERR_NONE);
	assert_non_null(strstr(msg, "warning: unknown parameter 'bogus'"));
}

static void test_missing_file(void **state)
{
	assert_int_equal(
		LOAD(254,
		     "insmod: can't insert '/tmp/nonexist.ko': No such file or directory\n",
		     NULL),
		MODERR_NO_FILE);
}

static void test_init_failure_quotes_output(void **state)
{
	assert_int_equal(
		LOAD(12, "insmod: can't insert 'x.ko': Out of memory\n", NULL),
		MODERR_INIT_FAILED);
	assert_non_null(strstr(msg, "Out of memory"));
}

static void test_unload_cases(void **state)
{
	assert_int_equal(
		modexplain(
			MODOP_UNLOAD, "storage_hash", 1,
			"rmmod: can't unload module 'storage_hash': Resource temporarily unavailable\n",
			NULL, 0, msg, sizeof(msg)),
		MODERR_IN_USE);
	assert_int_equal(
		modexplain(MODOP_UNLOAD, "storage_hash", 1,
			   "rmmod: ERROR: Module storage_hash is in use\n",
			   NULL, 0, msg, sizeof(msg)),
		MODERR_IN_USE);
	assert_int_equal(
		modexplain(
			MODOP_UNLOAD, "kmod_hello", 1,
			"rmmod: can't unload module 'kmod_hello': No such file or directory\n",
			NULL, 0, msg, sizeof(msg)),
		MODERR_NOT_LOADED);
	assert_string_equal(msg, "kmod_hello is not loaded");
	assert_int_equal(modexplain(MODOP_UNLOAD, "x", 0, "", NULL, 0, msg,
				    sizeof(msg)),
			 MODERR_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vermagic_precheck),
		cmocka_unit_test(test_busybox_already_loaded),
		cmocka_unit_test(test_unknown_symbol_named_from_kmsg),
		cmocka_unit_test(test_unknown_symbol_without_kmsg),
		cmocka_unit_test(test_symbol_versions_disagree),
		cmocka_unit_test(test_invalid_format_and_kmod_wording),
		cmocka_unit_test(test_unknown_parameter_is_a_warning),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_init_failure_quotes_output),
		cmocka_unit_test(test_unload_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
