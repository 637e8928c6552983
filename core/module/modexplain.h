/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turns what insmod/rmmod said (busybox or kmod wording, exit status) and
 * the kernel log lines around the attempt into one explanation a kernel
 * developer can act on.
 */
#ifndef KMDASH_MODEXPLAIN_H
#define KMDASH_MODEXPLAIN_H

#include <stddef.h>

enum modop {
	MODOP_LOAD,
	MODOP_UNLOAD,
};

enum moderr {
	MODERR_NONE,
	MODERR_VERMAGIC, /* built for another kernel release */
	MODERR_SYMVERS, /* symbol CRCs disagree: other headers */
	MODERR_ALREADY_LOADED,
	MODERR_NOT_LOADED,
	MODERR_IN_USE,
	MODERR_UNKNOWN_SYMBOL,
	MODERR_UNKNOWN_PARAM,
	MODERR_BAD_PARAM,
	MODERR_PERMISSION,
	MODERR_SIGNATURE,
	MODERR_BAD_FORMAT,
	MODERR_NO_FILE,
	MODERR_INIT_FAILED, /* the module's init returned an error */
	MODERR_CRASHED, /* insmod or rmmod was killed: an oops in init or exit */
	MODERR_STUCK, /* insmod or rmmod never returned */
	MODERR_OTHER,
};

/*
 * Before any upload: a module whose vermagic names another release than
 * the target's `uname -r`. Returns MODERR_VERMAGIC (with the message) or
 * MODERR_NONE.
 */
enum moderr modexplain_vermagic(const char *module_vermagic,
				const char *target_release, char *msg,
				size_t len);

/*
 * After insmod/rmmod ran: exit_status is the remote exit code, output its
 * merged stdout+stderr, kmsg the kernel log lines printed since (may be
 * NULL). Writes a one-line explanation; returns its category.
 */
enum moderr modexplain(enum modop op, const char *module, int exit_status,
		       const char *output, const char *const *kmsg,
		       size_t nkmsg, char *msg, size_t len);

#endif
