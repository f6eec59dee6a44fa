/* train.c: the quickstart's training program: logistic regression on generated data.
 *
 * CPU only, finishes in seconds, writes a checkpoint every few steps and
 * resumes from the last one when restarted, and prints metrics in the line
 * format of docs/metrics.md:  TRAINCTL_METRIC step=<n> <name>=<value> ...
 *
 * usage: train [--steps N] [--lr X] [--batch B] [--features F] [--samples S]
 *              [--seed S] [--checkpoint-dir DIR] [--checkpoint-every K]
 *              [--log-every K] [--sleep-ms MS] [--fail-at-step N]
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FEATURES 64

struct opts {
	long steps, batch, features, samples, seed, ckpt_every, log_every, sleep_ms, fail_at;
	double lr;
	const char *ckpt_dir;
};

struct model {
	long step;
	double w[MAX_FEATURES + 1];
};

static unsigned long long rng_state;

static double rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = rnd() + 1e-12, v = rnd();
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static int parse(struct opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i += 2) {   /* each option takes one value */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long *target = NULL;
		if (!v) {
			fprintf(stderr, "train: option '%s' needs a value\n", a);
			return -1;
		}
		if (!strcmp(a, "--lr")) {
			char *end;
			errno = 0;
			o->lr = strtod(v, &end);
			if (errno || end == v || *end || !(o->lr > 0)) {
				fprintf(stderr, "train: --lr expects a positive number, got '%s'\n", v);
				return -1;
			}
		} else if (!strcmp(a, "--checkpoint-dir")) {
			o->ckpt_dir = v;
		} else {
			static const char *names[] = { "--steps", "--batch", "--features", "--samples",
				"--seed", "--checkpoint-every", "--log-every", "--sleep-ms", "--fail-at-step" };
			long *fields[] = { &o->steps, &o->batch, &o->features, &o->samples, &o->seed,
				&o->ckpt_every, &o->log_every, &o->sleep_ms, &o->fail_at };
			for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
				if (!strcmp(a, names[k]))
					target = fields[k];
			if (!target) {
				fprintf(stderr, "train: unknown option '%s'\n", a);
				return -1;
			}
			char *end;
			errno = 0;
			*target = strtol(v, &end, 10);
			if (errno || end == v || *end) {
				fprintf(stderr, "train: %s expects a whole number, got '%s'\n", a, v);
				return -1;
			}
		}
	}
	if (o->features < 1 || o->features > MAX_FEATURES || o->batch < 1 || o->samples < o->batch) {
		fprintf(stderr, "train: need 1 <= features <= %d and 1 <= batch <= samples\n", MAX_FEATURES);
		return -1;
	}
	return 0;
}

/* The data: a fixed "true" weight vector, gaussian features, noisy labels. */
static void make_data(const struct opts *o, double *x, int *y)
{
	double truth[MAX_FEATURES];

	rng_state = 0x9e3779b97f4a7c15ULL ^ (unsigned long long)o->seed;
	for (long f = 0; f < o->features; f++)
		truth[f] = gauss();
	for (long i = 0; i < o->samples; i++) {
		double z = 0.3;
		for (long f = 0; f < o->features; f++) {
			x[i * o->features + f] = gauss();
			z += truth[f] * x[i * o->features + f];
		}
		y[i] = (1.0 / (1.0 + exp(-z))) > rnd();
	}
}

static char *ckpt_path(const struct opts *o)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/model.ckpt", o->ckpt_dir);
	return path;
}

static int load_checkpoint(const struct opts *o, struct model *m)
{
	static const char head[] = "trainctl-quickstart-checkpoint 1 step=";
	char text[64 * (MAX_FEATURES + 2)], *p = text, *end;
	FILE *f;
	size_t n;
	long features;
	int ok;

	if (!o->ckpt_dir || !(f = fopen(ckpt_path(o), "r")))
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* "trainctl-quickstart-checkpoint 1 step=S features=F" then F + 1 weights */
	errno = 0;
	ok = !strncmp(p, head, sizeof(head) - 1);
	if (ok) {
		m->step = strtol(p + sizeof(head) - 1, &end, 10);
		ok = end != p + sizeof(head) - 1 && !strncmp(end, " features=", 10);
		p = end + 10;
	}
	if (ok) {
		features = strtol(p, &end, 10);
		ok = end != p && features == o->features;
		p = end;
	}
	for (long k = 0; ok && k <= o->features; k++) {
		m->w[k] = strtod(p, &end);
		ok = end != p && !errno;
		p = end;
	}
	if (!ok) {
		fprintf(stderr, "train: ignoring unreadable checkpoint '%s'\n", ckpt_path(o));
		memset(m, 0, sizeof(*m));
		return 0;
	}
	return 1;
}

/* Written to a temporary file and renamed: a crash leaves the old or the new checkpoint. */
static void save_checkpoint(const struct opts *o, const struct model *m)
{
	char tmp[4200];
	FILE *f;

	if (!o->ckpt_dir)
		return;
	mkdir(o->ckpt_dir, 0700);
	snprintf(tmp, sizeof(tmp), "%s.tmp", ckpt_path(o));
	if (!(f = fopen(tmp, "w"))) {
		fprintf(stderr, "train: cannot write checkpoint '%s': %s\n", tmp, strerror(errno));
		return;
	}
	fprintf(f, "trainctl-quickstart-checkpoint 1 step=%ld features=%ld\n", m->step, o->features);
	for (long k = 0; k <= o->features; k++)
		fprintf(f, "%.17g\n", m->w[k]);
	if (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0)
		rename(tmp, ckpt_path(o));
}

static double predict(const struct opts *o, const struct model *m, const double *xi)
{
	double z = m->w[o->features];
	for (long f = 0; f < o->features; f++)
		z += m->w[f] * xi[f];
	return 1.0 / (1.0 + exp(-z));
}

static void evaluate(const struct opts *o, const struct model *m, const double *x, const int *y,
		     double *loss, double *acc)
{
	double l = 0;
	long right = 0;

	for (long i = 0; i < o->samples; i++) {
		double p = predict(o, m, x + i * o->features);
		p = p < 1e-12 ? 1e-12 : (p > 1 - 1e-12 ? 1 - 1e-12 : p);
		l -= y[i] ? log(p) : log(1 - p);
		right += (p >= 0.5) == y[i];
	}
	*loss = l / (double)o->samples;
	*acc = (double)right / (double)o->samples;
}

static void sgd_step(const struct opts *o, struct model *m, const double *x, const int *y)
{
	double grad[MAX_FEATURES + 1] = { 0 };

	for (long b = 0; b < o->batch; b++) {
		long i = (m->step * o->batch + b) % o->samples;
		double err = predict(o, m, x + i * o->features) - y[i];
		for (long f = 0; f < o->features; f++)
			grad[f] += err * x[i * o->features + f];
		grad[o->features] += err;
	}
	for (long k = 0; k <= o->features; k++)
		m->w[k] -= o->lr * grad[k] / (double)o->batch;
	m->step++;
}

int main(int argc, char **argv)
{
	struct opts o = { 200, 32, 8, 2000, 1, 20, 10, 0, -1, 0.1, NULL };
	struct model m;
	double *x, loss, acc;
	int *y;

	memset(&m, 0, sizeof(m));
	o.ckpt_dir = getenv("TRAINCTL_CHECKPOINT_DIR");
	if (parse(&o, argc, argv) < 0)
		return 2;
	x = malloc(sizeof(*x) * (size_t)(o.samples * o.features));
	y = malloc(sizeof(*y) * (size_t)o.samples);
	if (!x || !y) {
		free(x);
		free(y);
		return 1;
	}
	make_data(&o, x, y);
	if (load_checkpoint(&o, &m))
		printf("resumed from checkpoint at step %ld\n", m.step);
	while (m.step < o.steps) {
		sgd_step(&o, &m, x, y);
		if (m.step % o.log_every == 0 || m.step == o.steps) {
			evaluate(&o, &m, x, y, &loss, &acc);
			printf("TRAINCTL_METRIC step=%ld loss=%.6f accuracy=%.4f\n", m.step, loss, acc);
			fflush(stdout);
		}
		if (o.ckpt_every > 0 && m.step % o.ckpt_every == 0)
			save_checkpoint(&o, &m);
		if (m.step == o.fail_at) {
			fprintf(stderr, "train: failing at step %ld as asked\n", m.step);
			free(x);
			free(y);
			return 3;
		}
		if (o.sleep_ms > 0) {
			struct timespec ts = { o.sleep_ms / 1000, (o.sleep_ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
		}
	}
	evaluate(&o, &m, x, y, &loss, &acc);
	printf("done: %ld steps, loss %.4f, accuracy %.4f\n", m.step, loss, acc);
	free(x);
	free(y);
	return 0;
}
