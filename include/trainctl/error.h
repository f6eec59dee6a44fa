/** @file error.h  Error codes and the per-thread last-error message. */
#ifndef TRAINCTL_ERROR_H
#define TRAINCTL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** Every fallible trainctl function returns 0 or one of these (negative). */
typedef enum {
	TCTL_OK = 0,
	TCTL_ERROR = -1,         /**< generic failure */
	TCTL_ENOMEM = -2,        /**< out of memory */
	TCTL_EOS = -3,           /**< a system call failed (message has errno text) */
	TCTL_EINVALID = -4,      /**< malformed input: spec, config, response, trace */
	TCTL_ENOTFOUND = -5,     /**< no such run, file, resource */
	TCTL_EEXISTS = -6,       /**< already exists */
	TCTL_EUSAGE = -7,        /**< bad command line */
	TCTL_ENOTSUPPORTED = -8, /**< operation not implemented by this backend */
	TCTL_ENOFIT = -9,        /**< the job can never fit the target */
	TCTL_EBUDGET = -10,      /**< a budget would be crossed */
	TCTL_EQUOTA = -11,       /**< not enough quota */
	TCTL_ENET = -12,         /**< network or HTTP transport failure */
	TCTL_EAUTH = -13,        /**< no credential, or it was refused */
	TCTL_EREMOTE = -14,      /**< the remote service answered with an error */
	TCTL_EVERSION = -15,     /**< data written by a newer trainctl */
	TCTL_EBUSY = -16,        /**< resource busy (lock held) */
	TCTL_ESECURITY = -17,    /**< unsafe permissions or path */
	TCTL_ENOMODULE = -18,    /**< a loadable module is missing */
	TCTL_ETIMEOUT = -19,     /**< timed out */
	TCTL_ECANCELLED = -20    /**< cancelled on request */
} tctl_error_code;

/** The last error of this thread. Never NULL; `message` is "" when none. */
typedef struct {
	int code;
	const char *message;
} tctl_error;

/**
 * Record an error for this thread (printf-style) and return `code`, so a
 * caller can write `return tctl_error_set(TCTL_EINVALID, "...")`.
 */
int tctl_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** As tctl_error_set, appending ": strerror(errno)". */
int tctl_error_set_os(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/** Prefix the current message with "prefix: " (context added on the way up). */
void tctl_error_prefix(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/** The last error of this thread; borrowed, valid until the next set. */
const tctl_error *tctl_error_last(void);

/** Forget the last error. */
void tctl_error_clear(void);

/** A short name for a code ("invalid", "not found", ...). */
const char *tctl_error_name(int code);

#if defined(__clang_analyzer__) && !defined(TCTL_ERROR_IMPLEMENTATION)
/* For the Clang static analyzer only (make lint LINT_ANALYZER=yes): the setters return a
 * negative code, which it cannot see from another file; without this it explores the paths
 * where `if ((rc = f()) < 0) return rc;` falls through after an error (docs/hardening.md). */
static inline int tctl_error_negative_(int code)
{
	if (code >= 0)
		__builtin_unreachable();
	return code;
}
#define tctl_error_set(...) tctl_error_negative_(tctl_error_set(__VA_ARGS__))
#define tctl_error_set_os(...) tctl_error_negative_(tctl_error_set_os(__VA_ARGS__))
#endif

#ifdef __cplusplus
}
#endif
#endif
