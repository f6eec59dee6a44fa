/** @file units.h  Durations, sizes and money as users write them. */
#ifndef TRAINCTL_UNITS_H
#define TRAINCTL_UNITS_H

#include <stddef.h>
#include <stdint.h>

/**
 * Parse a duration into whole seconds.
 * Accepts a number with one unit ("90s", "15m", "2h", "1d", "1.5h", "500ms"
 * rounded up to 1 s), a sequence ("1h30m"), or ISO 8601 ("PT2H", "P1DT30M",
 * "PT0.5H"). Fractions are allowed; the result is rounded to the nearest
 * second. A bare number is refused (the unit is required, so "90" is never
 * silently minutes or seconds). Returns 0 or TCTL_EINVALID with a message
 * that says what was expected.
 */
int tctl_duration_parse(int64_t *out, const char *text);

/** Format seconds compactly: "45s", "15m", "2h30m", "3d4h". */
void tctl_duration_format(char *buf, size_t size, int64_t seconds);

/** Format seconds as ISO 8601 ("PT2H30M"), as Azure expects. */
void tctl_duration_format_iso(char *buf, size_t size, int64_t seconds);

/**
 * Parse a size into bytes. Decimal units are powers of 1000 ("16GB",
 * "500MB", "16G"), binary units powers of 1024 ("512MiB", "16Gi"); "B" or
 * no unit is bytes. Case of the unit letter is not significant except that
 * "b"/"Mb" (bits) is refused. Returns 0 or TCTL_EINVALID.
 */
int tctl_size_parse(uint64_t *out, const char *text);

/** Format bytes with a binary unit and one decimal: "15.8 GiB", "512 MiB". */
void tctl_size_format(char *buf, size_t size, uint64_t bytes);

/** Parse an RFC 3339 / ISO 8601 UTC timestamp ("2026-11-28T09:00:00Z"). */
int tctl_time_parse(int64_t *out_unix, const char *text);

/** Format a unix time as RFC 3339 UTC. */
void tctl_time_format(char *buf, size_t size, int64_t unix_time);

struct tm;
/** gmtime_r without the local time zone: glibc's reads /etc/localtime on first use. */
void tctl_utc_tm(struct tm *out, int64_t unix_time);

#endif
