/* hwloc_profile.c: the trainctl-hwloc.so module: a topology (live or XML) read into a profile and GPU candidates. */
#include "../lib/profile_priv.h"
#include "trainctl/error.h"

#include <hwloc.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define OOM() tctl_error_set(TCTL_ENOMEM, "out of memory")

/* The release this module was built against (the API version is not the release). */
#ifdef HWLOC_VERSION
#define HWLOC_RELEASE HWLOC_VERSION
#else
#define HWLOC_RELEASE "2.x"
#endif

/* ---- strings ---- */

/* A copy of s without surrounding blanks; NULL (and no error) when s is NULL or blank. */
static char *clean(const char *s)
{
	size_t len;

	if (!s)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
		len--;
	return len ? strndup(s, len) : NULL;
}

/* clean(), with ENOMEM told apart from "nothing there". */
static int dup_info(char **out, hwloc_obj_t o, const char *name)
{
	const char *v = hwloc_obj_get_info_by_name(o, name);

	*out = clean(v);
	if (v && !*out && strspn(v, " \t\n") != strlen(v))
		return OOM();
	return 0;
}

/* ---- the XML file, checked before hwloc sees it, for errors that name the problem ---- */

static int check_xml_file(const char *path)
{
	char head[4096];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT
			? tctl_error_set(TCTL_ENOTFOUND, "topology file '%s' does not exist", path)
			: tctl_error_set_os("cannot open topology file '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return tctl_error_set(TCTL_EINVALID, "topology file '%s' is not a regular file", path);
	}
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	if (n < 0)
		return tctl_error_set_os("cannot read topology file '%s'", path);
	if (n == 0)
		return tctl_error_set(TCTL_EINVALID,
			"topology file '%s' is empty (expected an hwloc XML export, e.g. from 'lstopo --of xml')", path);
	head[n] = '\0';
	if (!strstr(head, "<topology"))
		return tctl_error_set(TCTL_EINVALID,
			"topology file '%s' is not an hwloc XML export (no <topology> element at its start)", path);
	if (strstr(head, "<topology version=\"3."))
		return tctl_error_set(TCTL_ENOTSUPPORTED,
			"topology file '%s' is hwloc XML version 3; this hwloc (%s) reads version 2 "
			"(export it with hwloc 2.x)", path,
			HWLOC_RELEASE);
	return 0;
}

/*
 * trainctl loads this module RTLD_LOCAL, so libhwloc's symbols are not
 * global and hwloc's own plugins (hwloc_pci: PCI names; hwloc_opencl;
 * hwloc_xml_libxml) fail to load ("undefined symbol"). Re-opening libhwloc
 * with RTLD_GLOBAL | RTLD_NOLOAD promotes the copy already loaded.
 */
static void make_hwloc_global(void)
{
	static bool done;
	/* dladdr wants the function's address as a data pointer; C has no other way to it */
	void *fn = (void *)(uintptr_t)&hwloc_topology_init, *h; /* NOLINT(performance-no-int-to-ptr) */
	Dl_info info;

	if (done)
		return;
	done = true;
	if (dladdr(fn, &info) && info.dli_fname &&
	    (h = dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD)))
		dlclose(h); /* drops the count taken just now; the library stays, now global */
}

static int open_topology(hwloc_topology_t *out, const char *xml)
{
	hwloc_topology_t t;
	int error;

	if (xml && (error = check_xml_file(xml)) < 0)
		return error;
	make_hwloc_global();
	if (hwloc_topology_init(&t) < 0)
		return tctl_error_set_os("cannot initialise hwloc");
	/* I/O objects are off by default; KEEP_IMPORTANT keeps PCI GPUs and their OS devices. */
	hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
	/* Count what the machine has; what this process may use comes from limits.c. */
	hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
	/* With the libxml2 plugin the file is parsed here already, so both steps can refuse it. */
	if ((xml && hwloc_topology_set_xml(t, xml) < 0) || hwloc_topology_load(t) < 0) {
		error = xml ? tctl_error_set(TCTL_EINVALID,
				"topology file '%s' is not a valid hwloc XML topology (hwloc could not load it)", xml)
			    : tctl_error_set_os("cannot read this machine's topology with hwloc");
		goto fail;
	}
	*out = t;
	return 0;
fail:
	hwloc_topology_destroy(t);
	return error;
}

/* ---- CPU and memory ---- */

static int count_allowed_pus(hwloc_topology_t t)
{
	hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(t);
	hwloc_obj_t pu = NULL;
	int n = 0;

	while ((pu = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PU, pu)))
		n += hwloc_bitmap_isset(allowed, pu->os_index) ? 1 : 0;
	return n;
}

static int read_numa(tctl_profile *p, hwloc_topology_t t)
{
	p->numa_nodes = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	if (p->numa_nodes > 0 && !(p->numa_memory = calloc((size_t)p->numa_nodes, sizeof(uint64_t))))
		return OOM();
	for (int i = 0; i < p->numa_nodes; i++)
		p->numa_memory[i] = hwloc_get_obj_by_type(t, HWLOC_OBJ_NUMANODE, (unsigned)i)->attr->numanode.local_memory;
	p->hwloc_memory = hwloc_get_root_obj(t)->total_memory;
	return 0;
}

static int read_cpukinds(tctl_profile *p, hwloc_topology_t t)
{
	int n = hwloc_cpukinds_get_nr(t, 0), error = 0;
	hwloc_bitmap_t set;

	if (n <= 0)
		return 0;
	if (!(p->cpukinds = calloc((size_t)n, sizeof(*p->cpukinds))) || !(set = hwloc_bitmap_alloc()))
		return OOM();
	for (int i = 0; i < n && !error; i++) {
		struct hwloc_info_s *infos = NULL;
		unsigned ninfos = 0;
		int eff = -1;
		tctl_cpukind *k = &p->cpukinds[p->cpukinds_len];
		if (hwloc_cpukinds_get_info(t, (unsigned)i, set, &eff, &ninfos, &infos, 0) < 0)
			continue;
		/* Count PU objects of the kind, not bits of its cpuset. */
		k->pus = (unsigned)hwloc_get_nbobjs_inside_cpuset_by_type(t, set, HWLOC_OBJ_PU);
		k->efficiency = eff;
		for (unsigned j = 0; j < ninfos; j++)
			if (!strcmp(infos[j].name, "CoreType") && !(k->core_type = clean(infos[j].value)))
				error = OOM();
		p->cpukinds_len++;
	}
	hwloc_bitmap_free(set);
	return error;
}

static int read_cpu_model(tctl_profile *p, hwloc_topology_t t)
{
	hwloc_obj_t o = NULL;

	while ((o = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PACKAGE, o)))
		if (hwloc_obj_get_info_by_name(o, "CPUModel"))
			return dup_info(&p->cpu_model, o, "CPUModel");
	return dup_info(&p->cpu_model, hwloc_get_root_obj(t), "CPUModel");
}

/* Firmware placeholders that say nothing about the machine. */
static bool placeholder(const char *s)
{
	static const char *const junk[] = { "System Product Name", "To be filled by O.E.M.",
		"Default string", "Not Specified", "None", "System manufacturer", "O.E.M." };

	if (!s)
		return true;
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		if (!strcasecmp(s, junk[i]))
			return true;
	return false;
}

/* "vendor product" from DMI; the board when the product is a placeholder. */
static int read_machine(tctl_profile *p, hwloc_topology_t t)
{
	hwloc_obj_t root = hwloc_get_root_obj(t);
	const char *vendor = hwloc_obj_get_info_by_name(root, "DMISysVendor");
	const char *product = hwloc_obj_get_info_by_name(root, "DMIProductName");
	char *v, *pr, *s = NULL;
	int n = 0;

	if (placeholder(product)) {
		vendor = hwloc_obj_get_info_by_name(root, "DMIBoardVendor");
		product = hwloc_obj_get_info_by_name(root, "DMIBoardName");
	}
	if (placeholder(product))
		return 0;
	v = placeholder(vendor) ? NULL : clean(vendor);
	pr = clean(product);
	if (pr)
		n = asprintf(&s, "%s%s%s", v ? v : "", v ? " " : "", pr);
	free(v);
	free(pr);
	if (n < 0)
		return OOM();
	p->machine = s;
	return 0;
}

static int read_cpu_memory(tctl_profile *p, hwloc_topology_t t)
{
	int error;

	p->packages = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	p->cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	p->pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	p->allowed_pus = count_allowed_pus(t);
	if ((error = read_numa(p, t)) < 0 || (error = read_cpukinds(p, t)) < 0 ||
	    (error = read_cpu_model(p, t)) < 0 || (error = read_machine(p, t)) < 0)
		return error;
	return dup_info(&p->hostname, hwloc_get_root_obj(t), "HostName");
}

/* ---- GPU candidates ---- */

typedef struct {
	tctl_gpu_candidate *v;
	hwloc_obj_t *keys;
	size_t len, cap;
} cand_list;

static hwloc_obj_t pci_above(hwloc_obj_t o)
{
	for (hwloc_obj_t p = o->parent; p && hwloc_obj_type_is_io(p->type); p = p->parent)
		if (p->type == HWLOC_OBJ_PCI_DEVICE)
			return p;
	return NULL;
}

/* The package a device is attached to, and the NUMA memory local to it there. */
static int fill_locality(tctl_gpu_candidate *c, hwloc_topology_t t, hwloc_obj_t dev)
{
	hwloc_obj_t nonio = hwloc_get_non_io_ancestor_obj(t, dev), pkg, numa = NULL;

	if (nonio && nonio->cpuset && !hwloc_bitmap_iszero(nonio->cpuset) &&
	    hwloc_bitmap_list_asprintf(&c->local_cpus, nonio->cpuset) < 0)
		c->local_cpus = NULL;
	pkg = nonio && nonio->type == HWLOC_OBJ_PACKAGE ? nonio
	      : hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_PACKAGE, nonio);
	if (!pkg || !nonio->nodeset)
		return 0;
	while ((numa = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, numa)))
		if (hwloc_bitmap_isincluded(numa->nodeset, nonio->nodeset))
			c->local_memory += numa->attr->numanode.local_memory;
	return dup_info(&c->local_cpu_model, pkg, "CPUModel");
}

static int fill_pci(tctl_gpu_candidate *c, hwloc_obj_t pci)
{
	int error;

	snprintf(c->pci_bus_id, sizeof(c->pci_bus_id), "%04x:%02x:%02x.%01x",
		 (unsigned)pci->attr->pcidev.domain, pci->attr->pcidev.bus,
		 pci->attr->pcidev.dev, pci->attr->pcidev.func);
	c->vendor_id = pci->attr->pcidev.vendor_id;
	c->device_id = pci->attr->pcidev.device_id;
	c->class_id = pci->attr->pcidev.class_id;
	if ((error = dup_info(&c->pci_vendor, pci, "PCIVendor")) < 0)
		return error;
	return dup_info(&c->pci_device, pci, "PCIDevice");
}

/* The candidate keyed by `key` (a PCI device, or a parentless OS device), created on first use. */
static int cand_for(tctl_gpu_candidate **out, cand_list *l, hwloc_topology_t t, hwloc_obj_t key)
{
	tctl_gpu_candidate *c;
	int error;

	for (size_t i = 0; i < l->len; i++)
		if (l->keys[i] == key)
			return (*out = &l->v[i]), 0;
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		tctl_gpu_candidate *v = realloc(l->v, cap * sizeof(*v));
		hwloc_obj_t *k = v ? realloc(l->keys, cap * sizeof(*k)) : NULL;
		if (v)
			l->v = v;
		if (!k)
			return OOM();
		l->keys = k;
		l->cap = cap;
	}
	c = &l->v[l->len];
	memset(c, 0, sizeof(*c));
	l->keys[l->len++] = key;
	if (key->type == HWLOC_OBJ_PCI_DEVICE && (error = fill_pci(c, key)) < 0)
		return error;
	if ((error = fill_locality(c, t, key)) < 0)
		return error;
	*out = c;
	return 0;
}

/* GPU memory attributes, all in KiB (hwloc: "Sizes are in KiB"). */
static uint64_t kib_info(hwloc_obj_t o, const char *name)
{
	const char *v = hwloc_obj_get_info_by_name(o, name);

	return v ? strtoull(v, NULL, 10) * 1024 : 0;
}

static int report_memory(tctl_gpu_report *r, hwloc_obj_t o)
{
	static const char *const attrs[] = { "CUDAGlobalMemorySize", "RSMIVRAMSize",
		"LevelZeroMemorySize", "OpenCLGlobalMemorySize" };
	uint64_t lz;

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if ((r->memory = kib_info(o, attrs[i])))
			return (r->memory_attr = strdup(attrs[i])) ? 0 : OOM();
	}
	/* Level Zero splits device memory by kind; the device has their sum. */
	lz = kib_info(o, "LevelZeroHBMSize") + kib_info(o, "LevelZeroDDRSize") +
	     kib_info(o, "LevelZeroDRAMSize");
	if (lz) {
		r->memory = lz;
		return (r->memory_attr = strdup("LevelZeroHBMSize+LevelZeroDDRSize")) ? 0 : OOM();
	}
	return 0;
}

static int add_report(tctl_gpu_candidate *c, hwloc_obj_t o, const char *backend)
{
	tctl_gpu_report *r, *v = realloc(c->reports, (c->reports_len + 1) * sizeof(*v));
	int error;

	if (!v)
		return OOM();
	c->reports = v;
	r = &v[c->reports_len++];
	memset(r, 0, sizeof(*r));
	if (!(r->backend = strdup(backend)))
		return OOM();
	if ((error = dup_info(&r->model, o, "GPUModel")) < 0 ||
	    (error = dup_info(&r->vendor, o, "GPUVendor")) < 0 ||
	    (error = dup_info(&r->device_type, o, "OpenCLDeviceType")) < 0)
		return error;
	return report_memory(r, o);
}

/*
 * Every GPU and co-processor OS device, grouped by the PCI device above it.
 * Old exports type NVML devices COPROC and leave the subtype out; the
 * backend is then the "Backend" info.
 */
static int collect_osdevs(cand_list *l, hwloc_topology_t t)
{
	hwloc_obj_t o = NULL;
	int error;

	while ((o = hwloc_get_next_osdev(t, o))) {
		const char *backend = o->subtype ? o->subtype : hwloc_obj_get_info_by_name(o, "Backend");
		hwloc_obj_t pci = pci_above(o);
		tctl_gpu_candidate *c;
		if (o->attr->osdev.type != HWLOC_OBJ_OSDEV_GPU &&
		    o->attr->osdev.type != HWLOC_OBJ_OSDEV_COPROC)
			continue;
		if (!backend)
			continue; /* DRM card0, GL :0.0: no compute backend; the PCI rule judges their device */
		if ((error = cand_for(&c, l, t, pci ? pci : o)) < 0 || (error = add_report(c, o, backend)) < 0)
			return error;
	}
	return 0;
}

/* PCI display and accelerator devices with no OS device: the PCI-only path. */
static int collect_pci(cand_list *l, hwloc_topology_t t)
{
	hwloc_obj_t o = NULL;
	tctl_gpu_candidate *c;
	int error;

	while ((o = hwloc_get_next_pcidev(t, o))) {
		unsigned base = o->attr->pcidev.class_id >> 8;
		if (base != 0x03 && base != 0x12)
			continue;
		if ((error = cand_for(&c, l, t, o)) < 0)
			return error;
	}
	return 0;
}

static int load(tctl_profile **out, tctl_gpu_candidate **out_gpus, size_t *out_len, const char *xml)
{
	hwloc_topology_t t = NULL;
	tctl_profile *p = NULL;
	cand_list l = { NULL, NULL, 0, 0 };
	int error;

	if ((error = open_topology(&t, xml)) < 0)
		return error;
	if (!(p = calloc(1, sizeof(*p)))) {
		error = OOM();
		goto done;
	}
	if ((error = read_cpu_memory(p, t)) < 0 || (error = collect_osdevs(&l, t)) < 0 ||
	    (error = collect_pci(&l, t)) < 0)
		goto done;
	*out = p;
	*out_gpus = l.v;
	*out_len = l.len;
	p = NULL;
	l.v = NULL;
done:
	tctl_profile_free(p);
	tctl_gpu_candidates_free(l.v, l.len);
	free(l.keys);
	hwloc_topology_destroy(t);
	return error;
}

static const char *version(void)
{
	return HWLOC_RELEASE;
}

static const tctl_hwloc_ops ops = { TCTL_HWLOC_OPS_VERSION, load, version };

const tctl_hwloc_ops *tctl_hwloc_module(void)
{
	return &ops;
}
