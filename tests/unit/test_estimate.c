/* test_estimate.c: runtime from each kind of work estimate, efficiency, calibration, fit reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "trainctl/catalog.h"
#include "trainctl/error.h"
#include "trainctl/estimate.h"

#define GIB (1024ULL * 1024 * 1024)

static tctl_catalog *cat;

static int setup(void **state)
{
	(void)state;
	return tctl_catalog_load(&cat, NULL);
}

static int teardown(void **state)
{
	(void)state;
	tctl_catalog_free(cat);
	return 0;
}

static tctl_target cloud(const char *size, int nodes)
{
	const tctl_vm_size *s = tctl_catalog_size(cat, size);
	tctl_target t = { 0 };

	assert_non_null(s);
	t.name = s->name;
	t.gpu = s->gpu ? tctl_catalog_gpu(cat, s->gpu) : NULL;
	t.gpus = s->gpus;
	t.cpus = s->vcpus;
	t.memory = s->memory;
	t.nodes = nodes;
	return t;
}

static tctl_target local_t4(int gpus)
{
	tctl_target t = { true, tctl_catalog_gpu(cat, "T4"), gpus, 8, 32 * GIB, 1, "local" };
	return t;
}

static tctl_estimate_context ctx(void)
{
	tctl_estimate_context c = { cat, tctl_catalog_gpu(cat, "T4"), NULL, 0 };
	return c;
}

static void gpu_hours_scale_by_relative_speed(void **state)
{
	tctl_job job = { 0 };
	tctl_target t = cloud("Standard_NC24ads_A100_v4", 1);
	tctl_estimate_context c = ctx();
	tctl_runtime r;
	(void)state;

	job.resources.gpus = 1;
	job.estimate.gpu_hours = 8;
	job.estimate.reference_gpu = "V100";
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), 0);
	/* 8 GPU-h on V100 (1.0) on one A100-80GB (2.06): 8 / 2.06 h */
	assert_int_equal(r.runtime, (int64_t)ceil(8 * 3600 / 2.06));
	assert_non_null(strstr(r.source, "8 GPU-h on V100-16GB / (1 x A100-80GB @2.06, eff 1.00)"));
	assert_int_equal(r.calibration_runs, 0);
}

static void multi_gpu_and_multi_node_efficiency(void **state)
{
	tctl_job job = { 0 };
	tctl_target t = cloud("Standard_NC64as_T4_v3", 2);
	tctl_estimate_context c = ctx();
	tctl_runtime r;
	double eff = 0.95 * 0.95 * 0.90;
	(void)state;

	assert_true(fabs(tctl_parallel_efficiency(1, 1) - 1.0) < 1e-12);
	assert_true(fabs(tctl_parallel_efficiency(2, 1) - 0.95) < 1e-12);
	assert_true(fabs(tctl_parallel_efficiency(8, 1) - 0.95 * 0.95 * 0.95) < 1e-12);
	assert_true(fabs(tctl_parallel_efficiency(1, 4) - 0.81) < 1e-12);
	job.resources.gpus = 4;
	job.estimate.gpu_hours = 16;
	job.estimate.reference_gpu = "T4";
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), 0);
	/* 16 T4-hours over 8 T4s at 0.95^2 x 0.9 */
	assert_int_equal(r.runtime, (int64_t)ceil(16 * 3600 / (8 * eff)));
	assert_true(fabs(r.efficiency - eff) < 1e-9);
}

static void reference_gpu_defaults_to_v100_and_unknown_is_refused(void **state)
{
	tctl_job job = { 0 };
	tctl_target t = cloud("Standard_NC4as_T4_v3", 1);
	tctl_estimate_context c = ctx();
	tctl_runtime r;
	(void)state;

	job.resources.gpus = 1;
	job.estimate.gpu_hours = 1;
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), 0);
	assert_int_equal(r.runtime, (int64_t)ceil(3600 / 0.35));
	assert_non_null(strstr(r.source, "V100-16GB (assumed)"));
	job.estimate.reference_gpu = "Z9000";
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message,
			    "estimate.reference_gpu: unknown GPU model 'Z9000'");
}

static void cpu_core_hours_divide_by_cores(void **state)
{
	tctl_job job = { 0 };
	tctl_target t = cloud("Standard_D16s_v3", 1);
	tctl_estimate_context c = ctx();
	tctl_runtime r;
	(void)state;

	job.resources.cpus = 4;
	job.estimate.cpu_core_hours = 16;
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), 0);
	assert_int_equal(r.runtime, 4 * 3600);
	t.nodes = 2;
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), 0);
	assert_int_equal(r.runtime, (int64_t)ceil(16 * 3600 / (4 * 2 * 0.9)));
	job.estimate.gpu_hours = 3; /* ignored next to cpu_core_hours on a CPU job */
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), 0);
	job.estimate.cpu_core_hours = 0;
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), TCTL_EINVALID);
	assert_string_equal(tctl_error_last()->message,
			    "estimate.gpu_hours is given but resources.gpus is 0");
}

static void local_duration_is_exact_here_and_scaled_elsewhere(void **state)
{
	tctl_job job = { 0 };
	tctl_target here = local_t4(1), there = cloud("Standard_NC24ads_A100_v4", 1);
	tctl_estimate_context c = ctx();
	tctl_runtime r;
	(void)state;

	job.resources.gpus = 1;
	job.estimate.local_duration = 7200;
	job.estimate.gpu_hours = 99; /* the measurement wins on the local target */
	assert_int_equal(tctl_estimate_runtime(&r, &job, &here, &c), 0);
	assert_int_equal(r.runtime, 7200);
	assert_non_null(strstr(r.source, "measured here"));
	job.estimate.gpu_hours = 0;
	assert_int_equal(tctl_estimate_runtime(&r, &job, &there, &c), 0);
	assert_int_equal(r.runtime, (int64_t)ceil(7200 * 0.35 / 2.06));
	assert_non_null(strstr(r.source, "local_duration 2h on T4"));
}

static void max_run_duration_is_the_last_resort(void **state)
{
	tctl_job job = { 0 };
	tctl_target t = local_t4(1);
	tctl_estimate_context c = ctx();
	tctl_runtime r;
	(void)state;

	job.resources.gpus = 1;
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), TCTL_EINVALID);
	assert_non_null(strstr(tctl_error_last()->message, "the job has no work estimate"));
	job.limits.max_run_duration = 5400;
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t, &c), 0);
	assert_int_equal(r.runtime, 5400);
	assert_non_null(strstr(r.source, "limits.max_run_duration 1h30m"));
}

static void calibration_applies_to_its_target_class_only(void **state)
{
	tctl_calibration cals[] = { { "gpu:T4", 1.5, 3 }, { "local", 0.5, 1 }, { "cpu", 2.0, 0 } };
	tctl_job job = { 0 };
	tctl_target t4 = cloud("Standard_NC4as_T4_v3", 1), a100 = cloud("Standard_NC24ads_A100_v4", 1);
	tctl_estimate_context c = ctx();
	tctl_runtime r;
	char cls[32];
	(void)state;

	c.calibrations = cals;
	c.calibrations_len = 3;
	job.resources.gpus = 1;
	job.estimate.gpu_hours = 2;
	job.estimate.reference_gpu = "T4";
	assert_int_equal(tctl_estimate_runtime(&r, &job, &t4, &c), 0);
	assert_int_equal(r.uncalibrated, 7200);
	assert_int_equal(r.runtime, 10800);
	assert_int_equal(r.calibration_runs, 3);
	assert_non_null(strstr(r.source, "calibrated from 3 runs (x1.50)"));
	assert_int_equal(tctl_estimate_runtime(&r, &job, &a100, &c), 0);
	assert_int_equal(r.calibration_runs, 0);
	assert_null(strstr(r.source, "calibrated"));
	tctl_target_class(cls, sizeof(cls), &t4);
	assert_string_equal(cls, "gpu:T4");
	t4 = local_t4(1);
	tctl_target_class(cls, sizeof(cls), &t4);
	assert_string_equal(cls, "local");
	t4 = cloud("Standard_D4s_v3", 1);
	tctl_target_class(cls, sizeof(cls), &t4);
	assert_string_equal(cls, "cpu");
}

static void expect_nofit(const tctl_job *job, const tctl_target *t, const char *reason)
{
	char buf[112];

	assert_int_equal(tctl_estimate_fit(buf, sizeof(buf), job, t), TCTL_ENOFIT);
	assert_string_equal(buf, reason);
}

static void every_fit_reason(void **state)
{
	tctl_job job = { 0 };
	tctl_target t = local_t4(1), cpu = cloud("Standard_D4s_v3", 1), unk = local_t4(1);
	tctl_gpu_model nomem;
	char buf[112];
	(void)state;

	job.resources.gpus = 4;
	expect_nofit(&job, &t, "needs 4 GPUs, machine has 1");
	job.resources.gpus = 1;
	expect_nofit(&job, &cpu, "needs 1 GPU, size has none");
	job.resources.gpu_memory = 40000000000ULL;
	expect_nofit(&job, &t, "needs 40.0 GB per GPU, T4 has 16.0 GB");
	tctl_catalog_unknown_gpu(&nomem, "Mystery", 0);
	unk.gpu = &nomem;
	expect_nofit(&job, &unk, "needs 40.0 GB per GPU, GPU memory unknown");
	job.resources.gpu_memory = 0;
	job.resources.memory = 64 * GIB;
	expect_nofit(&job, &t, "needs 64 GiB memory, machine has 32 GiB");
	job.resources.memory = 0;
	job.resources.cpus = 12;
	expect_nofit(&job, &t, "needs 12 cores, machine has 8");
	job.resources.cpus = 8;
	assert_int_equal(tctl_estimate_fit(buf, sizeof(buf), &job, &t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpu_hours_scale_by_relative_speed),
		cmocka_unit_test(multi_gpu_and_multi_node_efficiency),
		cmocka_unit_test(reference_gpu_defaults_to_v100_and_unknown_is_refused),
		cmocka_unit_test(cpu_core_hours_divide_by_cores),
		cmocka_unit_test(local_duration_is_exact_here_and_scaled_elsewhere),
		cmocka_unit_test(max_run_duration_is_the_last_resort),
		cmocka_unit_test(calibration_applies_to_its_target_class_only),
		cmocka_unit_test(every_fit_reason),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
