/* job.c: a job's life: parse or load, build from argv, fill defaults, copy and free. */
#include "job_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tctl_placement_name(tctl_placement p)
{
	static const char *const names[] = { "auto", "local", "cloud" };
	return (unsigned)p < 3 ? names[p] : "unknown";
}

const char *tctl_priority_name(tctl_priority p)
{
	static const char *const names[] = { "auto", "dedicated", "low_priority" };
	return (unsigned)p < 3 ? names[p] : "unknown";
}

void tctl_job_duration_str(char *buf, size_t size, int64_t s)
{
	static const struct { int64_t secs; char unit; } parts[] = {
		{ 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' }
	};
	size_t n = 0;

	if (s <= 0) {
		snprintf(buf, size, "0s");
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < 4 && n < size; i++) {
		int64_t q = s / parts[i].secs;
		s %= parts[i].secs;
		if (q)
			n += (size_t)snprintf(buf + n, size - n, "%" PRId64 "%c", q, parts[i].unit);
	}
}

/* The absolute folder a relative workdir is taken from: the spec's, or cwd. */
static int base_folder(char **out, const char *spec_path)
{
	char cwd[PATH_MAX], *dir = NULL, *slash, *real;
	int error;

	if (!getcwd(cwd, sizeof(cwd)))
		return tctl_error_set_os("cannot find the current folder");
	if (!spec_path || !strcmp(spec_path, "-"))
		return (*out = strdup(cwd)) ? 0 : tctl_error_set(TCTL_ENOMEM, "out of memory");
	/* the file's folder; "." for a bare name (and for "", which has no room to copy "." into) */
	if (!(dir = strdup(strrchr(spec_path, '/') ? spec_path : ".")))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((slash = strrchr(dir, '/')))
		slash[slash == dir ? 1 : 0] = '\0';
	error = tctl_path_resolve(out, cwd, dir);
	free(dir);
	if (error == 0 && (real = realpath(*out, NULL))) {
		free(*out);
		*out = real;
	}
	return error;
}

static int fill_workdir(tctl_job *job, const char *spec_path)
{
	char *base = NULL, *resolved = NULL;
	int error;

	if ((error = base_folder(&base, spec_path)) < 0)
		return error;
	error = tctl_path_resolve(&resolved, base, job->workdir ? job->workdir : ".");
	free(base);
	if (error < 0)
		return error;
	free(job->workdir);
	job->workdir = resolved;
	return 0;
}

/* The command's base name, made into a valid job name. */
static char *default_name(const tctl_job *job)
{
	const char *cmd = job->command ? job->command[0] : NULL, *base;
	char *name;
	size_t n;

	if (!cmd)
		return strdup("shell-job");
	base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
	if (!*base)
		return strdup("job");
	if (asprintf(&name, "%s%.255s", isalnum((unsigned char)*base) ? "" : "job-", base) < 0)
		return NULL;
	for (n = 0; name[n]; n++)
		if (!isalnum((unsigned char)name[n]) && !strchr("._-", name[n]))
			name[n] = '-';
	name[n > 255 ? 255 : n] = '\0';
	return name;
}

static int grid_size(const tctl_sweep *s)
{
	int64_t total = 1;

	for (size_t i = 0; i < s->params_len; i++) {
		total *= (int64_t)(s->params[i].values_len ? s->params[i].values_len : 1);
		if (total > INT_MAX)
			return INT_MAX;
	}
	return (int)total;
}

int tctl_job_fill_defaults(tctl_job *job, const char *spec_path)
{
	int error;

	if (!job->name && !(job->name = default_name(job)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	if ((error = fill_workdir(job, spec_path)) < 0)
		return error;
	if (job->sweep.enabled && !job->sweep.limits.max_total_trials)
		job->sweep.limits.max_total_trials = job->sweep.sampling == TCTL_SAMPLING_GRID
			? grid_size(&job->sweep) : TCTL_JOB_DEFAULT_RANDOM_TRIALS;
	if (job->parallel.enabled && !job->parallel.item_placeholder &&
	    !(job->parallel.item_placeholder = strdup(TCTL_JOB_DEFAULT_PLACEHOLDER)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

int tctl_job_parse(tctl_job **out, const char *text, size_t len, const char *path)
{
	const char *label = !path ? "<job>" : strcmp(path, "-") ? path : "<stdin>";
	tctl_job *job = NULL;
	json_t *root;
	tctl_jc jc;
	int error;

	if ((error = tctl_jc_load_object(&root, text, len, label)) < 0)
		return error;
	tctl_jc_init(&jc, label, text, len);
	if (!(job = calloc(1, sizeof(*job)))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	tctl_job_init_defaults(job);
	tctl_job_read(&jc, root, job);
	tctl_job_check(&jc, root, job);
	if ((error = tctl_jc_finish(&jc)) < 0 || (error = tctl_job_fill_defaults(job, path)) < 0)
		goto done;
	if (path && !(job->path = strdup(path))) {
		error = tctl_error_set(TCTL_ENOMEM, "out of memory");
		goto done;
	}
	*out = job;
	job = NULL;
done:
	tctl_jc_free(&jc);
	json_decref(root);
	tctl_job_free(job);
	return error;
}

int tctl_job_load(tctl_job **out, const char *path)
{
	const char *file = path ? path : TCTL_JOB_DEFAULT_FILE;
	char *text = NULL;
	size_t len = 0;
	int error;

	error = tctl_file_read(&text, &len, strcmp(file, "-") ? file : "/dev/stdin");
	if (error == TCTL_ENOTFOUND)
		return tctl_error_set(TCTL_ENOTFOUND, "no job file: '%s' does not exist%s", file,
				      path ? "" : " (give a path or create one; see docs/job-spec.md)");
	if (error < 0)
		return error;
	error = tctl_job_parse(out, text, len, file);
	free(text);
	return error;
}

int tctl_job_from_argv(tctl_job **out, char *const *argv, size_t argc)
{
	tctl_job *job;
	int error;

	if (!argc || !argv[0] || !argv[0][0])
		return tctl_error_set(TCTL_EINVALID, "no command given");
	if (!(job = calloc(1, sizeof(*job))) ||
	    !(job->command = calloc(argc + 1, sizeof(char *)))) {
		free(job);
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	tctl_job_init_defaults(job);
	for (job->command_len = 0; job->command_len < argc; job->command_len++) {
		if (!argv[job->command_len] ||
		    !(job->command[job->command_len] = strdup(argv[job->command_len]))) {
			tctl_job_free(job);
			return argv[job->command_len] ? tctl_error_set(TCTL_ENOMEM, "out of memory")
				: tctl_error_set(TCTL_EINVALID, "argument %zu is missing",
						 job->command_len);
		}
	}
	if ((error = tctl_job_fill_defaults(job, NULL)) < 0) {
		tctl_job_free(job);
		return error;
	}
	*out = job;
	return 0;
}
