/* local_internal.h: what the local backend's files share. */
#ifndef TRAINCTL_LOCAL_INTERNAL_H
#define TRAINCTL_LOCAL_INTERNAL_H

#include "trainctl/local.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* The signals a supervisor or coordinator handles itself: SIGTERM, SIGINT, SIGHUP (a stop),
 * plus SIGCHLD when `with_child` (dispatch.c). */
void local_stop_signals(sigset_t *out, bool with_child);

/* CPU binding (binding.c) */
#include <sched.h>
int binding_parse_list(cpu_set_t *set, const char *list);
/* The CPUs a run bound "gpu-local" runs on: 1 with *out set, 0 with a note why not. */
int binding_for_run(cpu_set_t *out, char *note, size_t size, const tctl_run *run,
		    const tctl_local_capacity *cap);

/* /proc helpers (proc.c) */
int proc_start_time(pid_t pid, int64_t *out);        /* clock ticks since boot; -1 when gone */
bool proc_matches(int64_t pid, int64_t start);       /* alive and the same process */
const char *proc_boot_id(void);                      /* cached; "" when unknown */
int proc_children(pid_t parent, pid_t *out, int max); /* direct children */
/* Live processes whose environment holds the entry `kv` ("K=V"), readable by us. */
int proc_with_env(const char *kv, pid_t *out, int max);

/* Resources held by running runs, and the claim of queued runs (queue.c). */
typedef struct {
	double cpus;
	uint64_t memory;
	bool gpu_busy[TCTL_LOCAL_MAX_GPUS];
	int gpus_free;
} held_resources;

/*
 * In one write transaction: pick the next queued local run that may start
 * now (FIFO, with backfill that never delays the head of the queue), mark it
 * running under this process (pid, start time, boot id, GPUs assigned) and
 * return it in *out. Returns 0 with *out NULL when nothing may start.
 * *out_more is set when another queued run would also fit now.
 */
int queue_claim(tctl_ledger *l, const tctl_local_capacity *cap, tctl_run **out, bool *out_more);

/* Inside the caller's transaction: may some queued run start now? */
int queue_startable(tctl_ledger *l, const tctl_local_capacity *cap, bool *out);

/* Is `need` within `free` resources? */
bool queue_fits(const tctl_run *r, const held_resources *free_res);

/* The dispatcher body: claim and supervise until nothing fits (dispatch.c). Never returns. */
void dispatcher_main(const char *ledger_path, const tctl_local_capacity *cap)
	__attribute__((noreturn));

/* True when `pid` is a dispatcher this process forked (not part of a job's tree). */
bool dispatcher_is_ours(pid_t pid);

/* stdin, stdout, stderr to /dev/null; every other descriptor closed. */
void dispatcher_detach_stdio(void);

/* Fork a detached dispatcher process; the caller must hold no ledger connection. */
int dispatcher_spawn(const char *ledger_path, const tctl_local_capacity *cap, pid_t *out_pid);

/* Idle dispatchers wait for wakes on a FIFO per capacity and settings (wake.c). */
typedef struct {
	int fd;
	char *path;
} wake_fifo;
/* Milliseconds an idle dispatcher waits for another run (TRAINCTL_LINGER_MS, default 2000). */
int wake_linger_ms(void);
int wake_listen(wake_fifo *w, const char *ledger_dir, const tctl_local_capacity *cap);
/* True when woken before `deadline_ms` (monotonic). */
bool wake_wait(wake_fifo *w, int64_t deadline_ms);
void wake_close(wake_fifo *w);
/* Wake one idle dispatcher of this capacity: 1 when one listens, 0 when none does. */
int wake_one(const char *ledger_dir, const tctl_local_capacity *cap);
/*
 * Supervise the claimed run to its end (supervise.c): start the job, enforce
 * its time limit and cancellation, record the outcome. Returns 0 when the
 * outcome was recorded.
 */
int supervise_run(tctl_ledger *l, const tctl_local_capacity *cap, tctl_run *run);

/*
 * Start the job process (spawn.c): its pid in *out_pid, and the read ends of
 * its stdout and stderr pipes in out_logs (the supervisor writes the logs).
 */
int spawn_job(pid_t *out_pid, int out_logs[2], const tctl_job *job, const tctl_run *run,
	      const tctl_local_capacity *cap, const cpu_set_t *bind);

/* The run's log files, written by its supervisor from the job's pipes (logsink.c). */
typedef struct {
	int pipe_fd[2];         /* job stdout, stderr; -1 once at end of file */
	int file_fd[2];         /* run_dir/stdout, run_dir/stderr */
	const char *dir;
	uint64_t written, dropped;
	uint64_t reserve;       /* keep this many bytes free on the logs' disk */
	uint64_t next_check;    /* written count at which free space is checked again */
	bool low_space;
	char error[160];        /* a write error other than a full disk, once */
} log_sink;

int logsink_open(log_sink *s, const char *run_dir, const int pipes[2]);
/* Copy what is ready on the pipes (non-blocking); true once both reached end of file. */
bool logsink_pump(log_sink *s, int pipe_index);
/* Drain the pipes until end of file or `deadline_ms` (monotonic). */
void logsink_drain(log_sink *s, int64_t deadline_ms);
/* "" or a note for the run's reason ("logs truncated: ..."). */
void logsink_note(const log_sink *s, char *buf, size_t size);
void logsink_close(log_sink *s);

/* The run's folder: <ledger dir>/runs/<id>; caller frees. */
char *run_dir_path(const char *ledger_dir, const char *id);

/* Run folders (rundir.c): staged by the submit, published once the run is recorded. */
/* Create the staged folder of run `id` with the saved environment; *out is its path. */
int rundir_stage(char **out, const char *ledger_dir, const char *id);
/* Remove a staged folder (its run was not recorded). NULL is fine. */
void rundir_discard(const char *stage);
/* Move the staged folder to the run's folder; 0 when someone else already did. */
int rundir_publish(const char *stage, const char *run_dir);
/* Make sure a recorded run's folder is in place (its submit may have died before moving it). */
int rundir_settle(const char *ledger_dir, const char *id, const char *run_dir);
/* Publish or remove the staged folders of submits that died (recovery). */
void rundir_sweep(tctl_ledger *l);

/* The spool (spool.c): runs recorded as folders runs/.spool/<id> holding run.json. */
char *spool_dir(const char *ledger_dir);
/* Write `run` into the staged folder and move it into the spool: the run is recorded.
 * *out_path is the spooled folder (caller frees). */
int spool_publish(char **out_path, const char *ledger_dir, const tctl_run *run, const char *stage);
/* Insert the spooled runs the ledger lacks, oldest first, and move their folders to runs/<id>. */
int spool_import(tctl_ledger *l);
/* Write the submitting environment (credentials removed) to <run_dir>/env. */
int env_save(const char *run_dir);
/* Read it back as a NULL-terminated "K=V" array; caller frees with env_free. */
int env_load(char ***out, const char *run_dir);
void env_free(char **env);

#endif
