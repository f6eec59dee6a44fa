/* sweep_trial.c: the job one sweep trial runs: ${{search_space.NAME}} replaced, TRAINCTL_PARAM_* set. */
#include "trainctl/sweep.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPEN "${{search_space."
#define CLOSE "}}"

/* A value /bin/sh reads as one word as it is. */
static bool plain_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-:/=,@%",
			    *s))
			return false;
	return true;
}

static void shell_quote(tctl_buf *b, const char *s)
{
	tctl_buf_puts(b, "'");
	for (; *s; s++)
		tctl_buf_puts(b, *s == '\'' ? "'\\''" : (char[2]){ *s, 0 });
	tctl_buf_puts(b, "'");
}

static const char *lookup(const tctl_sweep *sw, const tctl_trial_params *p, const char *name,
			  size_t len)
{
	for (size_t i = 0; i < sw->params_len && i < p->len; i++)
		if (strlen(sw->params[i].name) == len && !strncmp(sw->params[i].name, name, len))
			return p->values[i];
	return NULL;
}

/* `s` with each placeholder replaced; a name the search space lacks is an error. */
static int substitute(char **out, const char *s, const tctl_sweep *sw, const tctl_trial_params *p,
		      bool shell)
{
	tctl_buf b = TCTL_BUF_INIT;
	const char *hit, *close, *v;

	while ((hit = strstr(s, OPEN))) {
		const char *name = hit + strlen(OPEN);
		tctl_buf_put(&b, s, (size_t)(hit - s));
		if (!(close = strstr(name, CLOSE)) || !(v = lookup(sw, p, name, (size_t)(close - name)))) {
			tctl_buf_free(&b);
			return tctl_error_set(TCTL_EINVALID, "'%.*s' names no parameter of "
					      "sweep.search_space", close ? (int)(close + 2 - hit) : 40, hit);
		}
		if (shell && !plain_word(v))
			shell_quote(&b, v);
		else
			tctl_buf_puts(&b, v);
		s = close + strlen(CLOSE);
	}
	tctl_buf_puts(&b, s);
	if (!(*out = tctl_buf_detach(&b)))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	return 0;
}

static int substitute_command(tctl_job *t, const tctl_sweep *sw, const tctl_trial_params *p)
{
	char *s;
	int rc;

	if (t->shell) {
		if ((rc = substitute(&s, t->shell, sw, p, true)) < 0)
			return rc;
		free(t->shell);
		t->shell = s;
		return 0;
	}
	for (size_t i = 0; i < t->command_len; i++) {
		if ((rc = substitute(&s, t->command[i], sw, p, false)) < 0) {
			tctl_error_prefix("command[%zu]", i);
			return rc;
		}
		free(t->command[i]);
		t->command[i] = s;
	}
	return 0;
}

/* TRAINCTL_PARAM_<NAME>=value for each parameter (replacing one the job's env sets). */
static int add_env(tctl_job *t, const tctl_sweep *sw, const tctl_trial_params *p)
{
	for (size_t i = 0; i < sw->params_len && i < p->len; i++) {
		char **grown, *kv = NULL;
		size_t klen;
		if (asprintf(&kv, "TRAINCTL_PARAM_%s=%s", sw->params[i].name, p->values[i]) < 0)
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		klen = (size_t)(strchr(kv, '=') - kv) + 1;
		for (size_t k = 0; k < t->env_len; k++)
			if (!strncmp(t->env[k], kv, klen)) {
				free(t->env[k]);
				t->env[k] = kv;
				kv = NULL;
				break;
			}
		if (!kv)
			continue;
		if (!(grown = realloc(t->env, (t->env_len + 2) * sizeof(*grown)))) {
			free(kv);
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		}
		t->env = grown;
		t->env[t->env_len++] = kv;
		t->env[t->env_len] = NULL;
	}
	return 0;
}

int tctl_sweep_trial_job(tctl_job **out, const tctl_job *job, const tctl_trial_params *params)
{
	const tctl_sweep *sw = &job->sweep;
	tctl_job *t = NULL;
	int rc;

	if ((rc = tctl_job_dup(&t, job)) < 0)
		return rc;
	if ((rc = substitute_command(t, sw, params)) < 0 || (rc = add_env(t, sw, params)) < 0) {
		tctl_job_free(t);
		return rc;
	}
	if (sw->limits.trial_timeout > 0 && (!t->limits.max_run_duration ||
					     sw->limits.trial_timeout < t->limits.max_run_duration))
		t->limits.max_run_duration = sw->limits.trial_timeout;
	t->sweep.enabled = false;
	*out = t;
	return 0;
}
