// SPDX-License-Identifier: GPL-2.0
/*
 * Wording recognised: busybox insmod ("can't insert 'x.ko': <reason>",
 * exit status = errno), kmod insmod ("ERROR: could not insert module x.ko:
 * <strerror>"), busybox/kmod rmmod, and the kernel's own lines
 * ("x: Unknown symbol foo (err -2)", "x: disagrees about version of symbol
 * foo", "x: unknown parameter 'p' ignored", "Lockdown: ...").
 */
#include "core/module/modexplain.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static enum moderr say(enum moderr e, char *msg, size_t len, const char *fmt,
		       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return e;
}

static bool has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle);
}

/* Copies the word after `after` in a kmsg line, up to a space or quote. */
static bool word_after(const char *line, const char *after, char *out,
		       size_t len)
{
	const char *p = strstr(line, after);
	size_t n;

	if (!p || !len)
		return false;
	p += strlen(after);
	n = strcspn(p, " '()\n");
	if (!n)
		return false;
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

static const char *first_line(const char *s, char *buf, size_t len)
{
	size_t n;

	if (!s)
		return "";
	while (*s == '\n' || *s == ' ')
		s++;
	n = strcspn(s, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

enum moderr modexplain_vermagic(const char *module_vermagic,
				const char *target_release, char *msg,
				size_t len)
{
	size_t n = strcspn(module_vermagic, " ");
	size_t t = strcspn(target_release, " \n");

	if (n == t && strncmp(module_vermagic, target_release, n) == 0) {
		if (len)
			msg[0] = '\0';
		return MODERR_NONE;
	}
	return say(
		MODERR_VERMAGIC, msg, len,
		"vermagic mismatch: module built for %.*s, target runs %.*s; rebuild against the target kernel's headers",
		(int)n, module_vermagic, (int)t, target_release);
}

static enum moderr explain_kmsg(const char *module, const char *const *kmsg,
				size_t nkmsg, char *msg, size_t len)
{
	char sym[128];

	for (size_t i = 0; i < nkmsg; i++) {
		const char *l = kmsg[i];

		if (word_after(l, "Unknown symbol ", sym, sizeof(sym)))
			return say(
				MODERR_UNKNOWN_SYMBOL, msg, len,
				"unknown symbol %s: the target kernel does not export it (load the module that provides it first, or check the kernel config)",
				sym);
		if (word_after(l, "disagrees about version of symbol ", sym,
			       sizeof(sym)))
			return say(
				MODERR_SYMVERS, msg, len,
				"symbol version mismatch on %s: %s was built against other kernel headers than the target runs; rebuild against the target's headers",
				sym, module);
		if (word_after(l, "unknown parameter '", sym, sizeof(sym)))
			return say(
				MODERR_UNKNOWN_PARAM, msg, len,
				"unknown parameter '%s': %s has no such module parameter",
				sym, module);
		if (has(l, "version magic"))
			return say(MODERR_VERMAGIC, msg, len,
				   "vermagic mismatch: %s", l);
		if (has(l, "Lockdown:"))
			return say(MODERR_SIGNATURE, msg, len,
				   "the target only loads signed modules: %s",
				   l);
	}
	return MODERR_NONE;
}

static enum moderr explain_load(const char *module, int status, const char *out,
				const char *const *kmsg, size_t nkmsg,
				char *msg, size_t len)
{
	char line[200];
	enum moderr e;

	/* The kernel's lines are the most precise: try them first. */
	e = explain_kmsg(module, kmsg, nkmsg, msg, len);
	if (e != MODERR_NONE && status != 0)
		return e;
	if (status == 0 && e == MODERR_UNKNOWN_PARAM) {
		/* The kernel ignores it and loads: a warning, not a failure. */
		snprintf(line, sizeof(line), "%s", msg);
		return say(MODERR_NONE, msg, len, "%s loaded; warning: %s",
			   module, line);
	}
	if (status == 0)
		return say(MODERR_NONE, msg, len, "%s loaded", module);

	if (has(out, "File exists"))
		return say(MODERR_ALREADY_LOADED, msg, len,
			   "%s is already loaded: unload it first, or reload",
			   module);
	if (has(out, "Operation not permitted"))
		return say(
			MODERR_PERMISSION, msg, len,
			"permission denied: loading a module needs root on the target (log in as root, or set kmsg/sudo in the config)");
	if (has(out, "Key was rejected"))
		return say(
			MODERR_SIGNATURE, msg, len,
			"the target only loads signed modules (module signature enforcement); sign %s or boot with module.sig_enforce=0",
			module);
	if (has(out, "unknown symbol") || has(out, "Unknown symbol"))
		return say(
			MODERR_UNKNOWN_SYMBOL, msg, len,
			"unknown symbol in %s (or an unknown parameter); the kernel log names it",
			module);
	if (has(out, "invalid module format"))
		return say(
			MODERR_BAD_FORMAT, msg, len,
			"invalid module format: %s is not a module for this kernel or architecture",
			module);
	if (has(out, "Invalid parameters"))
		return say(MODERR_BAD_PARAM, msg, len,
			   "%s refused its parameters (-EINVAL): %s", module,
			   first_line(out, line, sizeof(line)));
	if (has(out, "No such file") && !has(out, "unknown symbol"))
		return say(
			MODERR_NO_FILE, msg, len,
			"the module file is not on the target: deploy first (%s)",
			first_line(out, line, sizeof(line)));
	/* The shell says 128 + the signal: an oops killed the insmod. */
	if (status > 128 && status < 128 + 65)
		return say(
			MODERR_CRASHED, msg, len,
			"module init crashed: insmod of %s was killed by signal %d (a kernel oops; see the kernel log)",
			module, status - 128);
	/* busybox insmod exits with the errno when its text is unknown. */
	switch (status) {
	case EEXIST:
		return say(MODERR_ALREADY_LOADED, msg, len,
			   "%s is already loaded: unload it first, or reload",
			   module);
	case EPERM:
		return say(
			MODERR_PERMISSION, msg, len,
			"permission denied: loading a module needs root on the target");
	case ENOEXEC:
		return say(
			MODERR_BAD_FORMAT, msg, len,
			"invalid module format: %s is not a module for this kernel or architecture",
			module);
	}
	return say(MODERR_INIT_FAILED, msg, len,
		   "loading %s failed (exit %d): %s", module, status,
		   first_line(out, line, sizeof(line)));
}

static enum moderr explain_unload(const char *module, int status,
				  const char *out, char *msg, size_t len)
{
	char line[200];

	if (status == 0)
		return say(MODERR_NONE, msg, len, "%s unloaded", module);
	if (has(out, "in use") ||
	    has(out, "Resource temporarily unavailable") ||
	    has(out, "Device or resource busy"))
		return say(
			MODERR_IN_USE, msg, len,
			"%s is in use: a process still holds it open (close /dev users, then unload)",
			module);
	if (has(out, "not currently loaded") ||
	    has(out, "No such file or directory"))
		return say(MODERR_NOT_LOADED, msg, len, "%s is not loaded",
			   module);
	if (has(out, "Operation not permitted"))
		return say(
			MODERR_PERMISSION, msg, len,
			"permission denied: unloading a module needs root on the target");
	if (status > 128 && status < 128 + 65)
		return say(
			MODERR_CRASHED, msg, len,
			"module exit crashed: rmmod of %s was killed by signal %d (a kernel oops; see the kernel log)",
			module, status - 128);
	return say(MODERR_OTHER, msg, len, "unloading %s failed (exit %d): %s",
		   module, status, first_line(out, line, sizeof(line)));
}

enum moderr modexplain(enum modop op, const char *module, int exit_status,
		       const char *output, const char *const *kmsg,
		       size_t nkmsg, char *msg, size_t len)
{
	if (op == MODOP_LOAD)
		return explain_load(module, exit_status, output, kmsg, nkmsg,
				    msg, len);
	return explain_unload(module, exit_status, output, msg, len);
}
