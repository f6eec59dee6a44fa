/* profile_gpu.c: the GPU rules: which devices are GPUs, their vendor, model, memory and sources. */
#include "profile_priv.h"
#include "trainctl/error.h"
#include "trainctl/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VENDOR_NVIDIA 0x10de
#define VENDOR_AMD 0x1002
#define VENDOR_INTEL 0x8086

/*
 * Backends hwloc reports GPUs through, best first for the model string: the
 * vendor management libraries name the product as sold, the compute
 * runtimes next, OpenCL last (it often gives a chip code name).
 */
static const char *const model_order[] = { "NVML", "RSMI", "LevelZero", "CUDA", "OpenCL" };
/* For memory: the runtimes that allocate it first; all are KiB attributes. */
static const char *const memory_order[] = { "CUDA", "RSMI", "LevelZero", "NVML", "OpenCL" };

#define NBACKENDS (sizeof(model_order) / sizeof(model_order[0]))

static int rank_of(const char *const *order, const char *backend)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		if (backend && !strcmp(order[i], backend))
			return (int)i;
	return -1;
}

/* A report counts when its backend is a GPU backend (OpenCL: only GPU-type devices). */
static bool report_counts(const tctl_gpu_report *r, unsigned class_id)
{
	if (rank_of(model_order, r->backend) < 0)
		return false;
	if (strcmp(r->backend, "OpenCL"))
		return true;
	if (r->device_type)
		return !strcmp(r->device_type, "GPU");
	return (class_id >> 8) == 0x03; /* old exports without the type: trust a display device */
}

bool tctl_gpu_pci_is_gpu(unsigned class_id, unsigned vendor_id)
{
	bool gpu_vendor = vendor_id == VENDOR_NVIDIA || vendor_id == VENDOR_AMD ||
			  vendor_id == VENDOR_INTEL;

	switch (class_id) {
	case 0x0300: /* VGA */
	case 0x0302: /* 3D controller */
	case 0x0380: /* display controller, other (AMD Instinct, Intel Data Center GPU Max) */
		return gpu_vendor;
	case 0x1200: /* processing accelerator: AMD MI300A/X; Intel uses it for NPUs, not GPUs */
		return vendor_id == VENDOR_NVIDIA || vendor_id == VENDOR_AMD;
	default:
		return false;
	}
}

static bool has_counting_report(const tctl_gpu_candidate *c)
{
	for (size_t i = 0; i < c->reports_len; i++)
		if (report_counts(&c->reports[i], c->class_id))
			return true;
	return false;
}

static const char *vendor_name(const tctl_gpu_candidate *c)
{
	if (c->vendor_id == VENDOR_NVIDIA)
		return "nvidia";
	if (c->vendor_id == VENDOR_AMD)
		return "amd";
	if (c->vendor_id == VENDOR_INTEL)
		return "intel";
	for (size_t i = 0; i < c->reports_len; i++) {
		const char *b = c->reports[i].backend, *v = c->reports[i].vendor;
		if (!strcmp(b, "CUDA") || !strcmp(b, "NVML") || (v && strstr(v, "NVIDIA")))
			return "nvidia";
		if (!strcmp(b, "RSMI") || (v && (strstr(v, "AMD") || strstr(v, "Advanced Micro"))))
			return "amd";
		if (!strcmp(b, "LevelZero") || (v && strstr(v, "Intel")))
			return "intel";
	}
	return "other";
}

static char *trimmed(const char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return strndup(s, len);
}

char *tctl_gpu_pci_model(const char *pci_device)
{
	const char *open = strrchr(pci_device, '['), *close = open ? strchr(open, ']') : NULL;

	/* pci.ids names devices "code name [marketing name]": keep the marketing name. */
	if (open && close && close > open + 1) {
		char *inner = strndup(open + 1, (size_t)(close - open - 1)), *t;
		if (!inner)
			return NULL;
		t = trimmed(inner);
		free(inner);
		return t;
	}
	return trimmed(pci_device);
}

/* A name cut at the front ("deon Instinct MI50") starts mid-word, in lower case. */
static bool looks_complete(const char *model)
{
	return !islower((unsigned char)model[0]);
}

static int set_backend_source(char **dst, const char *backend)
{
	free(*dst);
	if (asprintf(dst, "hwloc:%s", backend) < 0) {
		*dst = NULL;
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * The model rule (docs/profile.md): among the reports of counting backends,
 * names that look complete beat names that do not; then the backend order
 * NVML, RSMI, LevelZero, CUDA, OpenCL. Without any, the PCI database name,
 * else the PCI ids.
 */
static int choose_model(tctl_gpu *g, const tctl_gpu_candidate *c)
{
	const tctl_gpu_report *best = NULL;
	int best_score = -1;

	for (size_t i = 0; i < c->reports_len; i++) {
		const tctl_gpu_report *r = &c->reports[i];
		int score;
		if (!report_counts(r, c->class_id) || !r->model || !*r->model)
			continue;
		score = (looks_complete(r->model) ? 100 : 0) + (int)NBACKENDS - rank_of(model_order, r->backend);
		if (score > best_score) {
			best = r;
			best_score = score;
		}
	}
	if (best) {
		if (!(g->model = trimmed(best->model)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		return set_backend_source(&g->model_source, best->backend);
	}
	if (c->pci_device && *c->pci_device) {
		if (!(g->model = tctl_gpu_pci_model(c->pci_device)))
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		return tctl_str_set(&g->model_source, "pci");
	}
	if (asprintf(&g->model, "%s PCI device %04x:%04x",
		     !strcmp(g->vendor, "nvidia") ? "NVIDIA" : !strcmp(g->vendor, "amd") ? "AMD"
		     : !strcmp(g->vendor, "intel") ? "Intel" : "unknown",
		     c->vendor_id, c->device_id) < 0) {
		g->model = NULL;
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	}
	return tctl_str_set(&g->model_source, "pci-id");
}

/* Words with both a letter and a digit ("MI300A", "8060S"): model numbers. */
static bool shares_model_number(const char *a, const char *b)
{
	char *copy = strdup(a), *save = NULL, *w;
	bool found = false;

	if (!copy)
		return false;
	for (w = strtok_r(copy, " \t/[]()-,", &save); w && !found; w = strtok_r(NULL, " \t/[]()-,", &save)) {
		bool alpha = false, digit = false;
		for (const char *p = w; *p; p++) {
			alpha |= isalpha((unsigned char)*p) != 0;
			digit |= isdigit((unsigned char)*p) != 0;
		}
		if (alpha && digit && strlen(w) >= 3) {
			const char *hit = strstr(b, w);
			size_t n = strlen(w);
			found = hit && (hit == b || !isalnum((unsigned char)hit[-1])) &&
				!isalnum((unsigned char)hit[n]);
		}
	}
	free(copy);
	return found;
}

/*
 * The memory rule: the first counting report with a size, in the order
 * CUDA, RSMI, LevelZero, NVML, OpenCL (the largest of one backend). Without one, an APU (its package's
 * CPU model carries the GPU's model number, as "AMD Instinct MI300A
 * Accelerator" does for "Instinct MI300A") shares the package's NUMA
 * memory: that is reported with source "unified". Else unknown (0).
 */
static int choose_memory(tctl_gpu *g, const tctl_gpu_candidate *c)
{
	const tctl_gpu_report *best = NULL;

	for (size_t i = 0; i < c->reports_len; i++) {
		const tctl_gpu_report *r = &c->reports[i];
		if (!report_counts(r, c->class_id) || !r->memory)
			continue;
		int rank = rank_of(memory_order, r->backend);
		/* Same backend: the largest, a root device (ze1) sums its subdevices (ze1.0, ze1.1). */
		if (!best || rank < rank_of(memory_order, best->backend) ||
		    (rank == rank_of(memory_order, best->backend) && r->memory > best->memory))
			best = r;
	}
	if (best) {
		g->memory = best->memory;
		return set_backend_source(&g->memory_source, best->backend);
	}
	if (c->local_cpu_model && c->local_memory && g->model &&
	    shares_model_number(g->model, c->local_cpu_model)) {
		g->memory = c->local_memory;
		return tctl_str_set(&g->memory_source, "unified");
	}
	return 0;
}

/* The hwloc backends that reported it, sorted, or "PCI". */
static int list_backends(tctl_gpu *g, const tctl_gpu_candidate *c)
{
	tctl_buf b = TCTL_BUF_INIT;
	int error = 0;

	for (size_t k = 0; k < NBACKENDS && !error; k++) {
		static const char *const sorted[] = { "CUDA", "LevelZero", "NVML", "OpenCL", "RSMI" };
		for (size_t i = 0; i < c->reports_len; i++) {
			if (!strcmp(c->reports[i].backend, sorted[k]) &&
			    report_counts(&c->reports[i], c->class_id)) {
				error = tctl_buf_printf(&b, "%s%s", b.len ? "," : "", sorted[k]);
				break;
			}
		}
	}
	if (!error && !b.len)
		error = tctl_buf_puts(&b, "PCI");
	if (error < 0) {
		tctl_buf_free(&b);
		return error;
	}
	g->backends = tctl_buf_detach(&b);
	return 0;
}

/* Intel puts its integrated graphics at 00:02.0 of the root bus; discrete cards sit behind bridges. */
/* A PCI address "DOMAIN:BUS:DEVICE.FUNCTION" in hexadecimal ("0000:3b:00.0"). */
static bool parse_bdf(const char *bdf, uint64_t out[4])
{
	const char *p = bdf;

	return p && tctl_scan_hex(&p, 0xffffffff, &out[0]) && tctl_scan_lit(&p, ":") &&
	       tctl_scan_hex(&p, 0xff, &out[1]) && tctl_scan_lit(&p, ":") &&
	       tctl_scan_hex(&p, 0x1f, &out[2]) && tctl_scan_lit(&p, ".") &&
	       tctl_scan_hex(&p, 0x7, &out[3]);
}

static bool is_integrated(const tctl_gpu_candidate *c)
{
	uint64_t a[4];

	if (c->vendor_id != VENDOR_INTEL || !parse_bdf(c->pci_bus_id, a))
		return false;
	return a[1] == 0 && a[2] == 2 && a[3] == 0;
}

static int make_gpu(tctl_gpu *g, const tctl_gpu_candidate *c)
{
	int error;

	memset(g, 0, sizeof(*g));
	if ((error = tctl_str_set(&g->vendor, vendor_name(c))) < 0 ||
	    (error = choose_model(g, c)) < 0 ||
	    (error = choose_memory(g, c)) < 0 ||
	    (error = list_backends(g, c)) < 0)
		return error;
	if (c->pci_bus_id[0]) {
		if ((error = tctl_str_set(&g->pci_bus_id, c->pci_bus_id)) < 0)
			return error;
		if (asprintf(&g->pci_id, "%04x:%04x", c->vendor_id, c->device_id) < 0) {
			g->pci_id = NULL;
			return tctl_error_set(TCTL_ENOMEM, "out of memory");
		}
	}
	g->integrated = is_integrated(c);
	if (c->local_cpus && (error = tctl_str_set(&g->local_cpus, c->local_cpus)) < 0)
		return error;
	return 0;
}

/*
 * OS devices with no PCI device above them cannot be matched across
 * backends; only those of the best-ranked backend among them count, one GPU
 * each, so cuda0 and nvml0 of one card never count twice.
 */
static int parentless_backend(const tctl_gpu_candidate *c, size_t n)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		if (c[i].pci_bus_id[0])
			continue;
		for (size_t k = 0; k < c[i].reports_len; k++) {
			int r = rank_of(model_order, c[i].reports[k].backend);
			if (r >= 0 && report_counts(&c[i].reports[k], c[i].class_id) && (best < 0 || r < best))
				best = r;
		}
	}
	return best;
}

static bool is_gpu(const tctl_gpu_candidate *c, int parentless)
{
	if (c->pci_bus_id[0])
		return has_counting_report(c) || tctl_gpu_pci_is_gpu(c->class_id, c->vendor_id);
	for (size_t k = 0; k < c->reports_len; k++)
		if (parentless >= 0 && rank_of(model_order, c->reports[k].backend) == parentless &&
		    report_counts(&c->reports[k], c->class_id))
			return true;
	return false;
}

/* Domain, bus, device, function as one number; GPUs off PCI sort last. */
static unsigned long long bus_key(const char *bdf)
{
	uint64_t a[4];

	if (!parse_bdf(bdf, a))
		return ~0ULL;
	return (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
}

/* Stable insertion sort by bus key: a few GPUs, and parentless ones keep their order. */
static void sort_by_bus(tctl_gpu *gpus, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		tctl_gpu g = gpus[i];
		unsigned long long key = bus_key(g.pci_bus_id);
		size_t j = i;
		for (; j > 0 && bus_key(gpus[j - 1].pci_bus_id) > key; j--)
			gpus[j] = gpus[j - 1];
		gpus[j] = g;
	}
}

static void number_per_vendor(tctl_gpu *gpus, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		gpus[i].index = 0;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(gpus[j].vendor, gpus[i].vendor))
				gpus[i].index++;
	}
}

int tctl_gpu_resolve(tctl_gpu **out, size_t *out_len, const tctl_gpu_candidate *c, size_t n)
{
	tctl_gpu *gpus = NULL;
	size_t len = 0;
	int parentless = parentless_backend(c, n), error = 0;

	*out = NULL;
	*out_len = 0;
	if (n && !(gpus = calloc(n, sizeof(*gpus))))
		return tctl_error_set(TCTL_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!is_gpu(&c[i], parentless))
			continue;
		if ((error = make_gpu(&gpus[len++], &c[i])) < 0)
			goto done;
	}
	sort_by_bus(gpus, len);
	number_per_vendor(gpus, len);
done:
	if (error < 0 || !len) {
		for (size_t i = 0; i < len; i++)
			tctl_gpu_clear(&gpus[i]);
		free(gpus);
		return error;
	}
	*out = gpus;
	*out_len = len;
	return 0;
}

void tctl_gpu_clear(tctl_gpu *g)
{
	if (!g)
		return;
	free(g->vendor);
	free(g->model);
	free(g->model_source);
	free(g->memory_source);
	free(g->pci_bus_id);
	free(g->backends);
	free(g->pci_id);
	free(g->local_cpus);
	memset(g, 0, sizeof(*g));
}

void tctl_gpu_candidates_free(tctl_gpu_candidate *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < c[i].reports_len; k++) {
			tctl_gpu_report *r = &c[i].reports[k];
			free(r->backend);
			free(r->model);
			free(r->vendor);
			free(r->device_type);
			free(r->memory_attr);
		}
		free(c[i].reports);
		free(c[i].pci_vendor);
		free(c[i].pci_device);
		free(c[i].local_cpu_model);
		free(c[i].local_cpus);
	}
	free(c);
}
