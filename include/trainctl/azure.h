/** @file azure.h  Azure Machine Learning: workspace, clusters, quotas, code upload, jobs. */
#ifndef TRAINCTL_AZURE_H
#define TRAINCTL_AZURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trainctl/arm.h"
#include "trainctl/catalog.h"
#include "trainctl/config.h"
#include "trainctl/job.h"
#include "trainctl/plan.h"
#include "trainctl/run.h"

/*
 * Everything here talks to Azure through a tctl_arm client (arm.h), so a dry
 * run of any of it sends nothing and prints every request. The request
 * bodies follow ../shared/azure-ml-spec (api-version 2026-09-01); the tests
 * check each one with Microsoft's validator (docs/azure.md). Ownership:
 * values returned through `out` are the caller's, released with the _free
 * or _clear named next to them.
 */

/* ---- workspace ---- */

/**
 * The workspace a command uses: the profile `name` (the --workspace flag,
 * else the job's cloud.workspace; NULL: the default profile, as
 * tctl_config_workspace picks it), with AZURE_SUBSCRIPTION_ID,
 * AZURE_RESOURCE_GROUP, AZUREML_WORKSPACE and AZURE_LOCATION laid over a
 * named profile too. *out owns copies; clear with tctl_azure_workspace_clear.
 */
int tctl_azure_workspace(tctl_workspace *out, const tctl_config *cfg, const char *name);

void tctl_azure_workspace_clear(tctl_workspace *ws);

/* ---- clusters (AmlCompute) ---- */

/** What a cluster should be. */
typedef struct {
	const char *vm_size;
	tctl_priority priority;     /**< DEDICATED or LOW (ANY: dedicated) */
	int min_nodes;              /**< default 0 */
	int max_nodes;              /**< default 1 */
	int64_t idle_seconds;       /**< idle time before scale-down; default 120 */
	const char *region;         /**< the compute's location; NULL: the workspace's */
	bool grow_only;             /**< an existing cluster's larger max_nodes is kept (submit) */
} tctl_cluster_spec;

#define TCTL_CLUSTER_IDLE_DEFAULT 120
/** An idle time above this is flagged by `cluster list` (docs/azure.md). */
#define TCTL_CLUSTER_IDLE_FLAG 600

/** A cluster as Azure reports it, and what trainctl thinks of its cost. */
typedef struct {
	char *name;
	char *vm_size;
	tctl_priority priority;
	int min_nodes, max_nodes;
	int64_t idle_seconds;       /**< -1 when Azure did not say */
	char *region;
	char *state;                /**< provisioningState */
	int current_nodes;
	int preempted_nodes;        /**< nodeStateCounts.preemptedNodeCount */
	double usd_per_node_hour;   /**< catalog price for its size, region and tier; < 0 unknown */
	bool costs_idle;            /**< it costs money while idle (min nodes > 0 or a long idle time) */
	char finding[256];          /**< why, with the cost; "" when fine */
} tctl_cluster;

void tctl_cluster_clear(tctl_cluster *c);
void tctl_clusters_free(tctl_cluster *c, size_t n);

/** What tctl_cluster_ensure did. */
typedef enum {
	TCTL_CLUSTER_UNCHANGED = 0,
	TCTL_CLUSTER_CREATED,
	TCTL_CLUSTER_UPDATED,       /**< its scale settings were changed (PATCH) */
	TCTL_CLUSTER_DRY_RUN        /**< nothing sent */
} tctl_cluster_action;

/**
 * Make cluster `name` match `spec`: GET it first; PUT a new one (a
 * long-running operation, followed to its end) when it does not exist;
 * PATCH its scale settings when only they differ; nothing when it matches.
 * A cluster of another VM size or priority is refused (TCTL_EEXISTS):
 * AmlCompute cannot change them. `what` (may be NULL) gets one line saying
 * what was done. In a dry run: the GET, the PUT and the PATCH, each with a
 * note saying when it is sent.
 */
int tctl_cluster_ensure(tctl_cluster_action *out, char *what, size_t what_size, tctl_arm *arm,
			const tctl_workspace *ws, const char *name, const tctl_cluster_spec *in);

/** Every AmlCompute cluster of the workspace, priced and judged with `cat` (may be NULL). */
int tctl_cluster_list(tctl_cluster **out, size_t *out_len, tctl_arm *arm,
		      const tctl_workspace *ws, const tctl_catalog *cat);

/** Set a flagged cluster right: min nodes 0, idle time 120 s, max nodes kept (PATCH). */
int tctl_cluster_fix(tctl_arm *arm, const tctl_workspace *ws, const tctl_cluster *c);

/**
 * The cluster name trainctl uses for a size and priority when the job and
 * workspace name none: "tctl-" + the size without "Standard_", lower-case,
 * + "-lp" for low priority ("tctl-nc6s-v3-lp"), within AmlCompute's rules
 * (3 to 24 characters, not ending in '-' and digits).
 */
void tctl_cluster_auto_name(char *buf, size_t size, const char *vm_size, tctl_priority p);

/* ---- quotas and VM sizes ---- */

/** One VM family's vCPUs in a region: the subscription's and the workspace's view. */
typedef struct {
	char *family;               /**< as the VM sizes name it ("standardNCSv3Family") */
	char *label;                /**< as Azure shows it ("Standard NCSv3 Family Cluster Dedicated vCPUs") */
	char *quota_id;             /**< the last part of its quota id, for updateQuotas */
	int64_t used, limit;        /**< subscription, dedicated; limit -1 when unknown */
	int64_t ws_used;            /**< this workspace; -1 when unknown */
	int64_t ws_limit;           /**< this workspace's own quota; -1 when none is set */
} tctl_quota_family;

/** A VM size as the region's vmSizes list gives it, with its estimated prices. */
typedef struct {
	char *name, *family;
	int vcpus, gpus;
	double memory_gb;
	bool low_priority_capable;
	double dedicated, low_priority, spot;   /**< USD per hour (Linux); < 0 when not given */
} tctl_azure_vm_size;

/** What the region's usages, quotas and vmSizes say. */
typedef struct {
	char *region;
	tctl_quota_family *families;
	size_t families_len;
	int64_t dedicated_used, dedicated_limit;  /**< the region's total of dedicated vCPUs; -1 unknown */
	int64_t low_used, low_limit;              /**< the shared low-priority vCPUs; -1 unknown */
	tctl_azure_vm_size *sizes;
	size_t sizes_len;
	bool read;                                /**< false in a dry run: nothing is known */
} tctl_azure_quotas;

/**
 * GET usages, quotas and vmSizes for `region` (NULL: the workspace's). In a
 * dry run the three GETs are shown and out->read is false.
 */
int tctl_azure_quotas_read(tctl_azure_quotas *out, tctl_arm *arm, const tctl_workspace *ws,
			   const char *region);

void tctl_azure_quotas_clear(tctl_azure_quotas *q);

/** The family entry for a VM family name (case-insensitive); NULL when none. */
const tctl_quota_family *tctl_azure_quota_family(const tctl_azure_quotas *q, const char *family);

/**
 * vCPUs free now for a node of `family` at priority `p`: dedicated, the least
 * of the family's, the region's dedicated total and the workspace's quota;
 * low priority, the region's low-priority vCPUs. -1 when unknown.
 */
int64_t tctl_azure_quota_free(const tctl_azure_quotas *q, const char *family, tctl_priority p);

/**
 * The planner's quota list (plan.h): one entry per family, plus
 * "lowPriorityCores". Strings borrow from `q`; free the array with free().
 */
int tctl_azure_plan_quotas(tctl_plan_quota **out, size_t *out_len, const tctl_azure_quotas *q);

/**
 * Catalog prices from vmSizes' estimatedVMPrices (Linux; low priority from
 * the LowPriority tier, else Spot), for the sizes the catalog knows. Strings
 * borrow from `q` and `source`; free the array with free().
 */
int tctl_azure_catalog_prices(tctl_price **out, size_t *out_len, const tctl_azure_quotas *q,
			      const tctl_catalog *cat, const char *source, const char *date);

/**
 * Set this workspace's quota for a VM family (POST updateQuotas): refused
 * (TCTL_EQUOTA) above the subscription's limit for that family, which is read
 * first, or with TCTL_ENOTFOUND for a family the region does not have (the
 * message suggests the closest). In a dry run the reads and the POST are shown.
 */
int tctl_azure_quota_set(tctl_arm *arm, const tctl_workspace *ws, const char *region,
			 const char *family, int64_t limit);

/* ---- code ---- */

typedef struct {
	uint64_t bytes_done, bytes_total;
	size_t files_done, files_total;
} tctl_upload_progress;

typedef void (*tctl_upload_progress_fn)(const tctl_upload_progress *p, void *payload);

/** A file uploaded with the code that is not in the folder (borrowed). */
typedef struct {
	const char *path;               /**< '/'-separated, relative */
	const void *data;
	size_t len;
} tctl_code_file;

#define TCTL_CODE_OPTIONS_VERSION 1

typedef struct {
	int version;
	const char *name;               /**< code container; NULL: "trainctl-" + the folder's name */
	const tctl_code_file *extra;    /**< added to the upload (and to the hash) */
	size_t extra_len;
	size_t block_size;              /**< bytes per block; 0: $TRAINCTL_BLOCK_SIZE, else 4 MiB */
	int parallel;                   /**< blocks in flight; 0: 4 */
	tctl_upload_progress_fn progress;
	void *progress_payload;
} tctl_code_options;

#define TCTL_CODE_OPTIONS_INIT { TCTL_CODE_OPTIONS_VERSION, NULL, NULL, 0, 0, 0, NULL, NULL }

/** What tctl_azure_code_upload did. */
typedef struct {
	char *code_id;      /**< ARM id of the code version (the job's codeId) */
	char *code_uri;     /**< where its files are (the version's codeUri); NULL in a dry run */
	char *name;         /**< container */
	char hash[65];      /**< the content hash, the version's name: the snapshot's, or with extra
			         files, sha256 of it and theirs */
	bool reused;        /**< an unchanged tree: found, not uploaded again */
	size_t files;
	uint64_t bytes;
} tctl_code_result;

/**
 * The files a parallel job adds to its code: trainctl's driver for Azure ML's
 * parallel step and one file per item (docs/azure.md, "Parallel"). Free with
 * tctl_code_files_free.
 */
int tctl_azure_parallel_files(tctl_code_file **out, size_t *out_len, const tctl_job *job);

void tctl_code_files_free(tctl_code_file *files, size_t len);

/**
 * The code a run needs in the cloud: snapshot `dir` (vcs.h: .gitignore and
 * .amlignore honoured), hash it, GET the code version named by the hash (found:
 * done); else PUT the container, POST startPendingUpload, upload every file
 * as a block blob under the blobUri it returns (Put Blob, or Put Block in
 * parallel + Put Block List for files above the block size), and PUT the
 * version with codeUri = blobUri. Progress after each file and block.
 */
int tctl_azure_code_upload(tctl_code_result *out, tctl_arm *arm, const tctl_workspace *ws,
			   const char *dir, const tctl_code_options *opts);

void tctl_code_result_clear(tctl_code_result *r);

/* ---- jobs ---- */

/** What a job body is made from (besides the job spec). */
typedef struct {
	const tctl_job *job;
	const char *run_id;         /**< the job's name in Azure */
	const char *display_name;   /**< the run's name */
	const char *compute;        /**< cluster name */
	const char *code_id;        /**< ARM id of the code version; NULL: none */
	const char *code_uri;       /**< its codeUri (a parallel step's items live there) */
	int nodes;                  /**< instanceCount */
	const char *experiment;     /**< experimentName; NULL: from the repository / job */
	const char *commit;         /**< tagged; may be NULL */
	const char *branch;
	bool dirty;
} tctl_azure_job_input;

/**
 * The JobBase body for `in` (JSON text): a command job; a sweep job when the
 * job has a `sweep` section; a pipeline job with one parallel node when it
 * has a `parallel` section. docs/azure.md maps every field. Caller frees.
 */
int tctl_azure_job_body(char **out, const tctl_workspace *ws, const tctl_azure_job_input *in);

/** The ARM path of job `name` in `ws` (caller frees). */
int tctl_azure_job_path(char **out, const tctl_workspace *ws, const char *name);

/** Azure's job status mapped onto a run state; *out_terminal when Azure will not move it again. */
tctl_run_state tctl_azure_job_state(const char *status, bool *out_terminal);

/** The job's page in Azure ML studio. Caller frees. */
int tctl_azure_studio_url(char **out, const tctl_workspace *ws, const char *job_name);

/* ---- the backend (backend.h) ---- */

#define TCTL_AZURE_OPTIONS_VERSION 1

/** How a cloud submission talks to the user: what is sent, what happened, upload progress. */
typedef struct {
	int version;
	const char *workspace;          /**< --workspace; NULL: the job's cloud.workspace, else the default */
	bool dry_run;                   /**< send nothing: every request goes to on_request */
	tctl_arm_request_fn on_request;
	void *request_payload;
	tctl_arm_notice_fn notice;      /**< one line per thing worth telling */
	void *notice_payload;
	tctl_upload_progress_fn progress;
	void *progress_payload;
	tctl_http_trace_fn trace;       /**< --verbose */
	void *trace_payload;
} tctl_azure_options;

#define TCTL_AZURE_OPTIONS_INIT { TCTL_AZURE_OPTIONS_VERSION, NULL, false, NULL, NULL, NULL, \
	NULL, NULL, NULL, NULL, NULL }

/** An ARM client that talks to the user as `o` says (dry run, requests, notices, trace). */
int tctl_azure_arm_open(tctl_arm **out, const tctl_config *cfg, const tctl_azure_options *o);

/** What the quota pre-flight learned, for the planner. */
typedef struct {
	tctl_workspace ws;
	tctl_azure_quotas q;            /**< q.read false in a dry run: nothing learned */
	tctl_plan_quota *quotas;        /**< per family + "lowPriorityCores"; borrow from q */
	size_t quotas_len;
	tctl_price *prices;             /**< from vmSizes, for the catalog's sizes */
	size_t prices_len;
	char source[160];               /**< the prices' source, as the plan shows it */
	char date[16];
} tctl_azure_preflight;

/**
 * Before anything is created: GET usages, quotas and vmSizes of `region` in the
 * job's workspace (o->workspace, else job->cloud.workspace, else the default),
 * and turn them into the planner's quotas and catalog prices.
 */
int tctl_azure_preflight_read(tctl_azure_preflight *out, const tctl_config *cfg,
			      const tctl_job *job, const char *region, const tctl_catalog *cat,
			      const tctl_azure_options *o);

void tctl_azure_preflight_clear(tctl_azure_preflight *p);

/**
 * The error for a run that no quota lets start: TCTL_EQUOTA naming the VM
 * family, the vCPUs needed and free, and how to ask for more.
 */
int tctl_azure_quota_refusal(const tctl_azure_preflight *p, const char *vm_size, const char *family,
			     int vcpus, int nodes, tctl_priority prio);

/** Low-priority preemptions of a checkpointable run retried before giving up. */
#define TCTL_AZURE_MAX_ATTEMPTS 3

#endif
