/* test_job.c: the job spec parser, its defaults, the JSON locator and normalised output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <cmocka.h>

#include "trainctl/error.h"
#include "trainctl/job.h"
#include "trainctl/jsonpos.h"
#include "trainctl/util.h"

static tctl_job *parse_ok(const char *text, const char *path)
{
	tctl_job *job = NULL;
	int rc = tctl_job_parse(&job, text, strlen(text), path);

	if (rc != 0)
		fail_msg("parse failed: %s", tctl_error_last()->message);
	assert_non_null(job);
	return job;
}

/* Parses text that must fail and checks the whole message. */
static void assert_problems(const char *text, const char *expected)
{
	tctl_job *job = (tctl_job *)0x1;

	assert_int_equal(tctl_job_parse(&job, text, strlen(text), "job.json"), TCTL_EINVALID);
	assert_ptr_equal(job, (tctl_job *)0x1);
	assert_string_equal(tctl_error_last()->message, expected);
}

/* ---- json_locate ---- */

static const char doc[] =
	"{\n"
	"  \"name\": \"a \\\"quoted\\\" {name} [x]\",\n"
	"  \"command\": [\"python\",\n"
	"              \"train.py\",\n"
	"              [1, {\"deep\": \"v\"}]],\n"
	"  \"res\\u006furces\": { \"gpus\":\n"
	"     2 },\n"
	"  \"\\u00e9t\\u00e9\": 1, \"\\ud83d\\ude00\": \"x\"\n"
	"}\n";

static void locate(const tctl_jsonpos_step *path, size_t depth, bool key_pos, int line, int col)
{
	tctl_jsonpos pos;

	assert_int_equal(tctl_json_locate(&pos, doc, strlen(doc), path, depth, key_pos), 0);
	assert_int_equal(pos.line, line);
	assert_int_equal(pos.column, col);
	assert_int_equal(pos.offset < strlen(doc), 1);
}

static void locator_finds_values_past_strings_with_escapes(void **state)
{
	tctl_jsonpos_step name[] = { { "name", 0 } }, res[] = { { "resources", 0 }, { "gpus", 0 } };

	(void)state;
	locate(name, 1, false, 2, 11);
	locate(name, 1, true, 2, 3);
	locate(res, 2, false, 7, 6);
	locate(res, 2, true, 6, 23);
	locate(NULL, 0, false, 1, 1);
}

static void locator_walks_nested_arrays(void **state)
{
	tctl_jsonpos_step second[] = { { "command", 0 }, { NULL, 1 } };
	tctl_jsonpos_step deep[] = { { "command", 0 }, { NULL, 2 }, { NULL, 1 }, { "deep", 0 } };

	(void)state;
	locate(second, 2, false, 4, 15);
	locate(deep, 4, false, 5, 28);
}

static void locator_decodes_unicode_keys_and_counts_characters(void **state)
{
	tctl_jsonpos_step ete[] = { { "\xc3\xa9t\xc3\xa9", 0 } };
	tctl_jsonpos_step smile[] = { { "\xf0\x9f\x98\x80", 0 } };
	const char text[] = "{\"\xc3\xa9\xc3\xa9\": 1, \"k\": true}";
	tctl_jsonpos_step k[] = { { "k", 0 } };
	tctl_jsonpos pos;

	(void)state;
	locate(ete, 1, false, 8, 20);
	locate(smile, 1, false, 8, 39);
	assert_int_equal(tctl_json_locate(&pos, text, strlen(text), k, 1, false), 0);
	assert_int_equal(pos.column, 16);         /* characters, not bytes */
	assert_int_equal(pos.offset, 17);
}

static void locator_reports_missing_paths_without_touching_the_error(void **state)
{
	tctl_jsonpos_step missing[] = { { "resources", 0 }, { "memory", 0 } };
	tctl_jsonpos_step out_of_range[] = { { "command", 0 }, { NULL, 7 } };
	tctl_jsonpos_step not_object[] = { { "name", 0 }, { "x", 0 } };
	tctl_jsonpos pos;
	size_t depth = 99;

	(void)state;
	tctl_error_set(TCTL_EINVALID, "keep me");
	assert_int_equal(tctl_json_locate(&pos, doc, strlen(doc), missing, 2, false), TCTL_ENOTFOUND);
	assert_int_equal(tctl_json_locate(&pos, doc, strlen(doc), out_of_range, 2, false),
			 TCTL_ENOTFOUND);
	assert_int_equal(tctl_json_locate(&pos, doc, strlen(doc), not_object, 2, false),
			 TCTL_ENOTFOUND);
	assert_int_equal(tctl_json_locate(&pos, "  \n ", 4, NULL, 0, false), TCTL_ENOTFOUND);
	assert_string_equal(tctl_error_last()->message, "keep me");
	assert_int_equal(tctl_json_locate_nearest(&pos, &depth, doc, strlen(doc), missing, 2,
						  false), 0);
	assert_int_equal(depth, 1);
	assert_int_equal(pos.line, 6);
	assert_int_equal(pos.column, 21);
}

/* ---- defaults ---- */

static void minimal_job_gets_every_default(void **state)
{
	tctl_job *job = parse_ok("{\"command\": [\"/usr/bin/python3\", \"train.py\"]}", NULL);
	char cwd[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_string_equal(job->name, "python3");
	assert_string_equal(job->workdir, cwd);
	assert_int_equal(job->command_len, 2);
	assert_null(job->command[2]);
	assert_null(job->shell);
	assert_true(job->resources.cpus == 1.0);
	assert_int_equal(job->resources.gpus, 0);
	assert_int_equal(job->placement, TCTL_PLACEMENT_AUTO);
	assert_int_equal(job->cloud.priority, TCTL_PRIORITY_ANY);
	assert_int_equal(job->cloud.max_nodes, 1);
	assert_int_equal(job->cloud.idle_time_before_scale_down, 120);
	assert_false(job->checkpointable);
	assert_false(job->sweep.enabled);
	assert_false(job->parallel.enabled);
	assert_false(job->has_trigger);
	assert_false(job->has_retention);
	assert_null(job->path);
	tctl_job_free(job);
}

static void shell_job_is_named_shell_job_and_workdir_follows_the_spec(void **state)
{
	tctl_job *job = parse_ok("{\"shell\": \"make train\", \"workdir\": \"sub/./x/../data\"}",
				 "/nonexistent-dir/proj/job.json");

	(void)state;
	assert_string_equal(job->name, "shell-job");
	assert_string_equal(job->shell, "make train");
	assert_null(job->command);
	assert_string_equal(job->workdir, "/nonexistent-dir/proj/sub/data");
	assert_string_equal(job->path, "/nonexistent-dir/proj/job.json");
	tctl_job_free(job);
}

static void parallel_defaults(void **state)
{
	tctl_job *job = parse_ok("{\"command\": [\"score\", \"{items}\"],"
				 " \"parallel\": {\"items\": [\"a\", \"b\"]}}", NULL);

	(void)state;
	assert_true(job->parallel.enabled);
	assert_int_equal(job->parallel.items_len, 2);
	assert_string_equal(job->parallel.items[1], "b");
	assert_int_equal(job->parallel.mini_batch_size, 1);
	assert_int_equal(job->parallel.instance_count, 1);
	assert_int_equal(job->parallel.max_concurrency_per_instance, 1);
	assert_int_equal(job->parallel.error_threshold, -1);
	assert_int_equal(job->parallel.retries, 3);
	assert_string_equal(job->parallel.item_placeholder, "{items}");
	tctl_job_free(job);
}

static void sweep_defaults_random_and_grid(void **state)
{
	tctl_job *job = parse_ok(
		"{\"command\": [\"t\"], \"sweep\": {\"search_space\": {"
		"\"lr\": {\"type\": \"loguniform\", \"min_value\": -9, \"max_value\": -2},"
		"\"bs\": {\"type\": \"choice\", \"values\": [16, \"x\", 0.5, true]},"
		"\"seed\": {\"type\": \"randint\", \"upper\": 10}},"
		"\"objective\": {\"primary_metric\": \"acc\", \"goal\": \"maximize\"},"
		"\"early_termination\": {\"type\": \"truncation_selection\"}}}", NULL);

	(void)state;
	assert_true(job->sweep.enabled);
	assert_int_equal(job->sweep.sampling, TCTL_SAMPLING_RANDOM);
	assert_false(job->sweep.has_seed);
	assert_int_equal(job->sweep.limits.max_total_trials, 20);
	assert_int_equal(job->sweep.limits.max_concurrent_trials, 1);
	assert_int_equal(job->sweep.early_termination.type, TCTL_ETP_TRUNCATION);
	assert_int_equal(job->sweep.early_termination.truncation_percentage, 5);
	assert_int_equal(job->sweep.early_termination.evaluation_interval, 1);
	assert_int_equal(job->sweep.early_termination.delay_evaluation, 0);
	assert_int_equal(job->sweep.params_len, 3);
	assert_string_equal(job->sweep.params[0].name, "lr");
	assert_int_equal(job->sweep.params[0].type, TCTL_PARAM_LOGUNIFORM);
	assert_true(job->sweep.params[0].min_value == -9 && job->sweep.params[0].max_value == -2);
	assert_int_equal(job->sweep.params[1].values_len, 4);
	assert_string_equal(job->sweep.params[1].values[0], "16");
	assert_string_equal(job->sweep.params[1].values[1], "\"x\"");
	assert_string_equal(job->sweep.params[1].values[2], "0.5");
	assert_string_equal(job->sweep.params[1].values[3], "true");
	assert_int_equal(job->sweep.params[2].upper, 10);
	assert_true(job->sweep.maximize);
	tctl_job_free(job);

	job = parse_ok("{\"command\": [\"t\"], \"sweep\": {\"search_space\": {"
		       "\"a\": {\"type\": \"choice\", \"values\": [1, 2, 3]},"
		       "\"b\": {\"type\": \"choice\", \"values\": [\"x\", \"y\"]}},"
		       "\"sampling_algorithm\": \"grid\","
		       "\"objective\": {\"primary_metric\": \"loss\", \"goal\": \"minimize\"}}}", NULL);
	assert_int_equal(job->sweep.sampling, TCTL_SAMPLING_GRID);
	assert_int_equal(job->sweep.limits.max_total_trials, 6);
	assert_false(job->sweep.maximize);
	tctl_job_free(job);
}

/* ---- units and forms ---- */

static void units_and_aliases_are_read(void **state)
{
	tctl_job *job = parse_ok(
		"{\"command\": [\"t\"], \"resources\": {\"cpus\": 0.5, \"memory\": \"512MiB\","
		" \"gpus\": 2, \"gpu_memory\": \"16GB\", \"disk\": 4096},"
		" \"limits\": {\"max_run_duration\": \"PT2H\", \"deadline\": \"90m\", \"max_cost\": 3.5},"
		" \"estimate\": {\"local_duration\": \"1h30m\"},"
		" \"env\": {\"Z\": \"1\", \"A\": \"\"},"
		" \"cloud\": {\"priority\": \"LowPriority\", \"idle_time_before_scale_down\": \"5m\"},"
		" \"sweep\": {\"search_space\": {\"x\": {\"type\": \"uniform\", \"min_value\": 0,"
		" \"max_value\": 1}}, \"sampling_algorithm\": {\"type\": \"random\", \"seed\": 7},"
		" \"objective\": {\"primary_metric\": \"m\", \"goal\": \"minimize\"}}}", NULL);

	(void)state;
	assert_true(job->resources.cpus == 0.5);
	assert_int_equal(job->resources.memory, 512ULL << 20);
	assert_int_equal(job->resources.gpu_memory, 16000000000ULL);
	assert_int_equal(job->resources.disk, 4096);
	assert_int_equal(job->limits.max_run_duration, 7200);
	assert_int_equal(job->limits.deadline, 5400);
	assert_int_equal(job->limits.deadline_at, 0);
	assert_int_equal(job->estimate.local_duration, 5400);
	assert_int_equal(job->env_len, 2);
	assert_string_equal(job->env[0], "A=");
	assert_string_equal(job->env[1], "Z=1");
	assert_null(job->env[2]);
	assert_int_equal(job->cloud.priority, TCTL_PRIORITY_LOW);
	assert_int_equal(job->cloud.idle_time_before_scale_down, 300);
	assert_true(job->sweep.has_seed);
	assert_int_equal(job->sweep.seed, 7);
	tctl_job_free(job);
}

static void absolute_deadline_is_a_timestamp(void **state)
{
	tctl_job *job = parse_ok("{\"command\": [\"t\"], \"limits\": {\"deadline\": "
				 "\"2026-11-28T10:00:00+01:00\"}}", NULL);

	(void)state;
	assert_int_equal(job->limits.deadline, 0);
	assert_int_equal(job->limits.deadline_at, 1795856400);
	tctl_job_free(job);
}

/* ---- problems ---- */

static void wrong_types_name_file_line_and_path(void **state)
{
	(void)state;
	assert_problems("{\n  \"command\": [\"t\"],\n  \"resources\": {\n    \"gpus\": \"two\"\n  }\n}",
			"job.json:4: resources.gpus: expected a non-negative integer, got \"two\"");
	assert_problems("{\"command\": [\"t\"],\n\"placment\": \"local\"}",
			"job.json:2: placment: unknown key (did you mean 'placement'?)");
	assert_problems("{\"command\": [\"t\"],\n\"limits\": {\"max_run_duration\": 90}}",
			"job.json:2: limits.max_run_duration: expected a duration with a unit, "
			"such as \"90s\", \"15m\", \"2h\", \"1d\" or \"PT2H\", got 90");
}

static void problems_are_sorted_by_line_and_all_reported(void **state)
{
	(void)state;
	assert_problems("{\n\"checkpointable\": 1,\n\"command\": [\"t\", 2],\n"
			"\"name\": \"bad name\"\n}",
			"job.json:2: checkpointable: expected true or false, got 1\n"
			"job.json:3: command[1]: expected a non-empty string, got 2\n"
			"job.json:4: name: expected a name of letters, digits, '.', '_' and '-', "
			"got \"bad name\"");
}

static void at_most_twenty_problems_are_listed(void **state)
{
	tctl_buf b = TCTL_BUF_INIT;
	tctl_job *job = NULL;
	const char *msg, *p;
	int lines = 1;

	(void)state;
	tctl_buf_puts(&b, "{\"command\": [\"t\"]");
	for (int i = 0; i < 25; i++)
		tctl_buf_printf(&b, ",\n\"k%d\": %d", i, i);
	tctl_buf_puts(&b, "}");
	assert_int_equal(tctl_job_parse(&job, b.ptr, b.len, "j.json"), TCTL_EINVALID);
	msg = tctl_error_last()->message;
	for (p = msg; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 21);
	assert_non_null(strstr(msg, "j.json:2: k0: unknown key\n"));
	assert_non_null(strstr(msg, "j.json:21: k19: unknown key\n5 more problems not shown"));
	tctl_buf_free(&b);
}

static void syntax_errors_and_duplicates_have_line_and_column(void **state)
{
	(void)state;
	assert_problems("{\n  \"command\": [\"t\"],\n}", "job.json:3:1: invalid JSON: "
			"string or '}' expected near '}'");
	assert_problems("{\"command\": [\"t\"],\n \"name\": \"a\",\n \"name\": \"b\"}",
			"job.json:3:7: duplicate key \"name\" (each key may appear once)");
	assert_problems("\n\n[1]", "job.json:3: expected a JSON object at the top level, got an array");
}

static void cross_field_rules(void **state)
{
	(void)state;
	assert_problems("{\"name\": \"x\"}", "job.json:1: command: required: an argv array such as "
			"[\"python\", \"train.py\"] (or \"shell\": a command line)");
	assert_problems("{\"command\": [\"t\"],\n\"shell\": \"t\"}",
			"job.json:2: shell: give either command or shell, not both");
	assert_problems("{\"command\": [\"t\"], \"resources\":\n{\"gpu_memory\": \"8GB\"}}",
			"job.json:2: resources.gpu_memory: needs resources.gpus above 0");
	assert_problems("{\"command\": [\"t\"], \"sweep\": {\"search_space\": {\"a\": {\"type\": "
			"\"choice\", \"values\": [1]}}, \"objective\": {\"primary_metric\": \"m\", "
			"\"goal\": \"maximize\"}},\n\"parallel\": {\"items\": [\"x\"]}}",
			"job.json:2: parallel: a job may not have both sweep and parallel\n"
			"job.json:2: parallel.item_placeholder: \"{items}\" does not appear in command "
			"(trainctl puts each mini-batch's items there)");
	assert_problems("{\"command\": [\"t\"],\n\"retention\": {\"keep_days\": 0}}",
			"job.json:2: retention.keep_days: 0 would delete every run's outputs; give a "
			"positive number or leave keep_days out to keep everything");
}

/* ---- output, copy, argv, load ---- */

/* The job's normalised text, checked to read back to the same text (the caller frees). */
static char *normalised_once(const tctl_job *a)
{
	char *j1 = NULL, *j2 = NULL;
	tctl_job *b;

	assert_int_equal(tctl_job_to_json(&j1, a), 0);
	b = parse_ok(j1, NULL);
	assert_int_equal(tctl_job_to_json(&j2, b), 0);
	assert_string_equal(j1, j2);
	free(j2);
	tctl_job_free(b);
	return j1;
}

static void normalised_output_round_trips(void **state)
{
	const char *spec = "{\"name\": \"n\", \"command\": [\"t\", \"--x\"], \"workdir\": \"/w\","
		" \"resources\": {\"memory\": \"1GiB\", \"cpus\": 2.5},"
		" \"limits\": {\"max_run_duration\": \"PT1H30M5S\", \"deadline\": \"2030-01-01T00:00:00Z\"},"
		" \"estimate\": {\"gpu_hours\": 1.25, \"reference_gpu\": \"A100\"},"
		" \"sweep\": {\"search_space\": {\"x\": {\"type\": \"uniform\", \"min_value\": 0.1,"
		" \"max_value\": 0.3}}, \"objective\": {\"primary_metric\": \"m\", \"goal\": \"maximize\"},"
		" \"early_termination\": {\"type\": \"bandit\", \"slack_factor\": 0.2}}}";
	tctl_job *a = parse_ok(spec, NULL);
	char *j1;

	(void)state;
	j1 = normalised_once(a);
	assert_non_null(strstr(j1, "\"max_run_duration\": \"1h30m5s\""));
	assert_non_null(strstr(j1, "\"memory\": 1073741824"));
	assert_non_null(strstr(j1, "\"cpus\": 2.5"));
	assert_non_null(strstr(j1, "\"deadline\": \"2030-01-01T00:00:00Z\""));
	assert_non_null(strstr(j1, "\"min_value\": 0.1"));
	assert_non_null(strstr(j1, "\"max_total_trials\": 20"));
	assert_non_null(strstr(j1, "\"idle_time_before_scale_down\": \"2m\""));
	assert_true(strstr(j1, "\"name\"") < strstr(j1, "\"command\"") &&
		    strstr(j1, "\"command\"") < strstr(j1, "\"workdir\"") &&
		    strstr(j1, "\"resources\"") < strstr(j1, "\"sweep\""));
	free(j1);
	tctl_job_free(a);
}

/* A number of 16 significant digits prints (15) as a whole number: it is one from the start,
 * so the normalised text reads back to itself (fuzz_job, fuzz/regressions/job/). */
static void long_numbers_normalise_once(void **state)
{
	const char *spec = "{\"name\": \"n\", \"command\": [\"t\"], \"workdir\": \"/w\","
		" \"resources\": {\"cpus\": 277777777777888.885},"
		" \"estimate\": {\"cpu_core_hours\": 0.1000000000000000055}}";
	tctl_job *a = parse_ok(spec, NULL);
	char *j1;

	(void)state;
	j1 = normalised_once(a);
	assert_non_null(strstr(j1, "\"cpus\": 277777777777889,"));
	assert_non_null(strstr(j1, "\"cpu_core_hours\": 0.1"));
	free(j1);
	tctl_job_free(a);
}

static void dup_is_deep(void **state)
{
	tctl_job *a = parse_ok("{\"command\": [\"t\", \"{items}\"], \"env\": {\"A\": \"1\"},"
			       " \"cloud\": {\"vm_sizes\": [\"Standard_D4s_v3\"]},"
			       " \"parallel\": {\"items_file\": \"in.txt\"},"
			       " \"trigger\": {\"events\": [\"pre-push\"], \"paths\": [\"src/**\"]}}",
			       "/p/job.json");
	tctl_job *b = NULL;
	char *j1 = NULL, *j2 = NULL;

	(void)state;
	assert_int_equal(tctl_job_dup(&b, a), 0);
	assert_ptr_not_equal(a->command, b->command);
	assert_ptr_not_equal(a->command[0], b->command[0]);
	assert_ptr_not_equal(a->env[0], b->env[0]);
	assert_int_equal(tctl_job_to_json(&j1, a), 0);
	tctl_job_free(a);
	assert_int_equal(tctl_job_to_json(&j2, b), 0);
	assert_string_equal(j1, j2);
	assert_string_equal(b->path, "/p/job.json");
	assert_string_equal(b->trigger.paths[0], "src/**");
	free(j1);
	free(j2);
	tctl_job_free(b);
}

static void job_from_argv_has_defaults(void **state)
{
	char *argv[] = { "./bin/my train", "--epochs", "3", NULL };
	tctl_job *job = NULL;
	char cwd[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(tctl_job_from_argv(&job, argv, 3), 0);
	assert_string_equal(job->name, "my-train");
	assert_int_equal(job->command_len, 3);
	assert_string_equal(job->command[2], "3");
	assert_null(job->command[3]);
	assert_string_equal(job->workdir, cwd);
	assert_true(job->resources.cpus == 1.0);
	assert_int_equal(job->cloud.max_nodes, 1);
	tctl_job_free(job);
	assert_int_equal(tctl_job_from_argv(&job, argv, 0), TCTL_EINVALID);
}

static void load_reads_the_default_file_or_says_what_is_missing(void **state)
{
	char tmpl[] = "/tmp/trainctl-test-job.XXXXXX", old[PATH_MAX], *dir;
	tctl_job *job = NULL;
	const char *spec = "{\"command\": [\"t\"]}";

	(void)state;
	assert_non_null(getcwd(old, sizeof(old)));
	assert_non_null(dir = mkdtemp(tmpl));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(tctl_job_load(&job, NULL), TCTL_ENOTFOUND);
	assert_string_equal(tctl_error_last()->message, "no job file: 'trainctl.json' does not "
			    "exist (give a path or create one; see docs/job-spec.md)");
	assert_int_equal(tctl_file_write_atomic("trainctl.json", spec, strlen(spec), 0644), 0);
	assert_int_equal(tctl_job_load(&job, NULL), 0);
	assert_string_equal(job->path, "trainctl.json");
	assert_string_equal(job->name, "t");
	tctl_job_free(job);
	unlink("trainctl.json");
	assert_int_equal(chdir(old), 0);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(locator_finds_values_past_strings_with_escapes),
		cmocka_unit_test(locator_walks_nested_arrays),
		cmocka_unit_test(locator_decodes_unicode_keys_and_counts_characters),
		cmocka_unit_test(locator_reports_missing_paths_without_touching_the_error),
		cmocka_unit_test(minimal_job_gets_every_default),
		cmocka_unit_test(shell_job_is_named_shell_job_and_workdir_follows_the_spec),
		cmocka_unit_test(parallel_defaults),
		cmocka_unit_test(sweep_defaults_random_and_grid),
		cmocka_unit_test(units_and_aliases_are_read),
		cmocka_unit_test(absolute_deadline_is_a_timestamp),
		cmocka_unit_test(wrong_types_name_file_line_and_path),
		cmocka_unit_test(problems_are_sorted_by_line_and_all_reported),
		cmocka_unit_test(at_most_twenty_problems_are_listed),
		cmocka_unit_test(syntax_errors_and_duplicates_have_line_and_column),
		cmocka_unit_test(cross_field_rules),
		cmocka_unit_test(normalised_output_round_trips),
		cmocka_unit_test(long_numbers_normalise_once),
		cmocka_unit_test(dup_is_deep),
		cmocka_unit_test(job_from_argv_has_defaults),
		cmocka_unit_test(load_reads_the_default_file_or_says_what_is_missing),
	};
	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
