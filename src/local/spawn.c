/* spawn.c: starting a run's process: its own process group, its folder, its environment, its GPUs. */
#include "local_internal.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>


/* Set or replace KEY in a heap env array; returns the (maybe moved) array. */
static char **env_set(char **env, const char *key, const char *value)
{
	size_t klen = strlen(key), n = 0;
	char *kv = NULL, **p;

	if (asprintf(&kv, "%s=%s", key, value ? value : "") < 0)
		return env;
	for (; env && env[n]; n++) {
		if (!strncmp(env[n], key, klen) && env[n][klen] == '=') {
			free(env[n]);
			env[n] = kv;
			return env;
		}
	}
	if (!(p = realloc(env, (n + 2) * sizeof(*p)))) {
		free(kv);
		return env;
	}
	p[n] = kv;
	p[n + 1] = NULL;
	return p;
}

/* GPU visibility: the vendor's variables list the assigned indices; none assigned hides all. */
static char **env_gpus(char **env, const tctl_run *run, const tctl_local_capacity *cap)
{
	const char *ids = run->gpu_ids ? run->gpu_ids : "";
	bool nvidia = false, amd = false;

	for (int i = 0; i < cap->gpus && i < TCTL_LOCAL_MAX_GPUS; i++) {
		nvidia |= cap->gpu_vendor[i] == 'n';
		amd |= cap->gpu_vendor[i] == 'a';
	}
	if (nvidia || !amd)
		env = env_set(env, "CUDA_VISIBLE_DEVICES", ids);
	if (amd) {
		env = env_set(env, "ROCR_VISIBLE_DEVICES", ids);
		env = env_set(env, "HIP_VISIBLE_DEVICES", ids);
	}
	return env;
}

/* <data>/checkpoints/<name>: stable across runs of one job, so a resubmitted job resumes.
 * A child run (sweep trial, mini-batch) resumes only within its parent:
 * <data>/checkpoints/_groups/<parent id>/<name> ('_' starts no job name). */
static int checkpoint_dir(char **out, const char *data, const tctl_run *run)
{
	if (run->parent_id)
		return asprintf(out, "%s/checkpoints/_groups/%s/%s", data, run->parent_id, run->name);
	return asprintf(out, "%s/checkpoints/%s", data, run->name);
}

static int build_env(char ***out, const tctl_job *job, const tctl_run *run,
		     const tctl_local_capacity *cap)
{
	char **env = NULL, *ckpt = NULL, *data = NULL;
	int error;

	if ((error = env_load(&env, run->run_dir)) < 0) {
		tctl_error_prefix("run '%s'", run->id);
		return error;
	}
	for (size_t i = 0; i < job->env_len; i++) {
		const char *eq = strchr(job->env[i], '=');
		char key[256];
		if (!eq || (size_t)(eq - job->env[i]) >= sizeof(key))
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - job->env[i]), job->env[i]);
		env = env_set(env, key, eq + 1);
	}
	env = env_set(env, "TRAINCTL_RUN_ID", run->id);
	env = env_set(env, "TRAINCTL_RUN_DIR", run->run_dir);
	if (tctl_dir_data(&data) == 0 && checkpoint_dir(&ckpt, data, run) > 0) {
		tctl_mkdir_p(ckpt, 0700);
		env = env_set(env, "TRAINCTL_CHECKPOINT_DIR", ckpt);
	}
	free(ckpt);
	free(data);
	*out = env_gpus(env, run, cap);
	return 0;
}

/* In the child: report why it could not start through the CLOEXEC pipe, then exit 127. */
static void child_fail(int fd, const char *what, const char *arg) __attribute__((noreturn));
static void child_fail(int fd, const char *what, const char *arg)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s '%s': %s", what, arg, strerror(errno));

	if (n > 0 && write(fd, msg, (size_t)n) < 0)
		_exit(127);
	_exit(127);
}

/* What the child needs, in the parent's memory (the child shares it until it execs). */
typedef struct {
	int errfd;
	const tctl_job *job;
	const int *logs;
	char **env;
	pid_t supervisor;
	const cpu_set_t *bind;
} child_args;

/*
 * The child, sharing the supervisor's memory (CLONE_VM | CLONE_VFORK) until it
 * execs: system calls only, no allocation. It sets `environ` to the job's
 * environment (so execvp searches the job's PATH); the parent, suspended until
 * the exec, restores it.
 */
static int child_exec(void *arg)
{
	const child_args *a = arg;
	const tctl_job *job = a->job;
	sigset_t none;
	int in;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != a->supervisor)
		_exit(137);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((in = open("/dev/null", O_RDONLY)) < 0)
		child_fail(a->errfd, "cannot open", "/dev/null");
	dup2(in, 0);
	dup2(a->logs[0], 1);
	dup2(a->logs[1], 2);
	if (a->bind && sched_setaffinity(0, sizeof(*a->bind), a->bind) < 0)
		child_fail(a->errfd, "cannot bind to the CPUs nearest GPUs", "gpu-local");
	if (job->workdir && chdir(job->workdir) < 0)
		child_fail(a->errfd, "cannot enter workdir", job->workdir);
	environ = a->env;
	if (job->shell)
		execl("/bin/sh", "sh", "-c", job->shell, (char *)NULL);
	else
		execvp(job->command[0], job->command);
	child_fail(a->errfd, "cannot run", job->shell ? "/bin/sh" : job->command[0]);
}

/* The child's stack while it shares our memory (it only makes system calls, then execs). */
#define CHILD_STACK (64 * 1024)

/*
 * Start the child without copying the supervisor's address space: fork() would
 * write-protect every page of a long-lived supervisor, and each later write
 * would fault (about 11 us per fault on a VM); clone(CLONE_VM | CLONE_VFORK)
 * suspends us until the child execs, as posix_spawn does. posix_spawn itself
 * cannot set the parent-death signal or say which step failed.
 */
static pid_t start_child(child_args *a)
{
	char **saved = environ;
	char *stack = malloc(CHILD_STACK);
	pid_t pid;

	if (!stack) {
		errno = ENOMEM;
		return -1;
	}
	pid = clone(child_exec, stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, a);
	environ = saved;
	free(stack);
	return pid;
}

/* Pipes for the job's stdout and stderr: out[k] is the supervisor's read end, in[k] the job's. */
static int log_pipes(int out[2], int in[2])
{
	int p[2][2];

	if (pipe2(p[0], O_CLOEXEC) < 0)
		return tctl_error_set_os("cannot create a pipe");
	if (pipe2(p[1], O_CLOEXEC) < 0) {
		close(p[0][0]);
		close(p[0][1]);
		return tctl_error_set_os("cannot create a pipe");
	}
	for (int k = 0; k < 2; k++) {
		out[k] = p[k][0];
		in[k] = p[k][1];
	}
	return 0;
}

int spawn_job(pid_t *out_pid, int out_logs[2], const tctl_job *job, const tctl_run *run,
	      const tctl_local_capacity *cap, const cpu_set_t *bind)
{
	char **env = NULL, msg[512];
	int pipefd[2], logs_in[2] = { -1, -1 }, error;
	child_args args;
	ssize_t n;
	pid_t pid, self = getpid();

	if ((error = build_env(&env, job, run, cap)) < 0)
		return error;
	if ((error = log_pipes(out_logs, logs_in)) < 0) {
		env_free(env);
		return error;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		env_free(env);
		for (int k = 0; k < 2; k++) {
			close(out_logs[k]);
			close(logs_in[k]);
		}
		return tctl_error_set_os("cannot create a pipe");
	}
	args = (child_args){ pipefd[1], job, logs_in, env, self, bind };
	if ((pid = start_child(&args)) < 0) {
		error = tctl_error_set_os("cannot start the job");
	} else {
		setpgid(pid, pid);
		close(pipefd[1]);
		close(logs_in[0]);
		close(logs_in[1]);
		logs_in[0] = logs_in[1] = -1;
		pipefd[1] = -1;
		while ((n = read(pipefd[0], msg, sizeof(msg) - 1)) < 0 && errno == EINTR)
			;
		if (n > 0) {
			msg[n] = '\0';
			error = tctl_error_set(TCTL_ERROR, "%s", msg);
		}
		*out_pid = pid;
	}
	close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (pid < 0) {
		for (int k = 0; k < 2; k++) {
			close(out_logs[k]);
			close(logs_in[k]);
			out_logs[k] = -1;
		}
	}
	env_free(env);
	return error;
}
