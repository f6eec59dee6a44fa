/* binding.c: CPU binding of a run to the CPUs nearest its GPUs (locality from hwloc, at profile time). */
#include "local_internal.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds a cpulist ("0-3,8,10-11") to `set`; -1 when malformed. */
int binding_parse_list(cpu_set_t *set, const char *list)
{
	const char *p = list;

	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b;
		if (end == p || a < 0)
			return -1;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				return -1;
		}
		for (long i = a; i <= b && i < CPU_SETSIZE; i++)
			CPU_SET((int)i, set);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return 0;
}

/* "0-3,8" from a set. */
static void format_list(char *buf, size_t size, const cpu_set_t *set)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < CPU_SETSIZE && n + 16 < size; i++) {
		int j = i;
		if (!CPU_ISSET(i, set))
			continue;
		while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set))
			j++;
		n += (size_t)snprintf(buf + n, size - n, n ? ",%d" : "%d", i);
		if (j > i)
			n += (size_t)snprintf(buf + n, size - n, "-%d", j);
		i = j;
	}
}

int binding_for_run(cpu_set_t *out, char *note, size_t size, const tctl_run *run,
		    const tctl_local_capacity *cap)
{
	cpu_set_t near, allowed;
	const char *p = run->gpu_ids;
	char list[256];

	CPU_ZERO(&near);
	note[0] = '\0';
	while (p && *p) {
		char *end;
		long g = strtol(p, &end, 10);
		if (end == p)
			break;
		if (g < 0 || g >= cap->gpus || !cap->gpu_cpus[g][0] ||
		    binding_parse_list(&near, cap->gpu_cpus[g]) < 0) {
			snprintf(note, size, "cpu binding skipped: hwloc gave no CPU locality for GPU %ld", g);
			return 0;
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		CPU_ZERO(&allowed);
	CPU_AND(out, &near, &allowed);
	format_list(list, sizeof(list), &near);
	if (CPU_COUNT(out) == 0) {
		snprintf(note, size, "cpu binding skipped: the CPUs nearest its GPUs (%s) are not "
			 "available to trainctl", list);
		return 0;
	}
	format_list(list, sizeof(list), out);
	snprintf(note, size, "bound to CPUs %s, nearest its GPUs %s", list, run->gpu_ids);
	return 1;
}
