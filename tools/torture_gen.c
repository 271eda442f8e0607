// SPDX-License-Identifier: MIT
/*
 * Random scenarios for `sva torture`: a random accel-config configuration,
 * random processes and programs, and a random fault plan, all from one
 * seed.  The output is ordinary scenario JSON, so a failing seed can be
 * saved and replayed with `sva run`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "torture.h"

/* splitmix64: the generator's own stream, independent of the simulation's. */
static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t *s, uint64_t n)
{
	return n ? next(s) % n : 0;
}

static bool chance(uint64_t *s, unsigned pct)
{
	return below(s, 100) < pct;
}

#define OBJ() json_object_new_object()
#define ADD(o, k, v) json_object_object_add(o, k, v)
#define STR(v) json_object_new_string(v)
#define INT(v) json_object_new_int64((int64_t)(v))
#define BOOL(v) json_object_new_boolean(v)

struct gen_wq {
	int id, group;
	bool shared, bof;
	unsigned size;
};

static json_object *gen_config(uint64_t *s, struct gen_wq *wqs, unsigned *nwqs)
{
	json_object *dev = OBJ(), *groups = json_object_new_array(), *all = json_object_new_array();
	unsigned ngroups = 1 + (unsigned)below(s, 2), budget = 128, neng = 4;

	*nwqs = 0;
	ADD(dev, "dev", STR("dsa0"));
	for (unsigned g = 0; g < ngroups; g++) {
		json_object *grp = OBJ(), *gw = json_object_new_array(), *ge = json_object_new_array();
		unsigned n = 1 + (unsigned)below(s, 2), e = g == ngroups - 1 ? neng : 1 + (unsigned)below(s, neng - 1);

		ADD(grp, "dev", STR(g ? "group0.1" : "group0.0"));
		for (unsigned i = 0; i < n; i++) {
			struct gen_wq *w = &wqs[*nwqs];
			json_object *wq = OBJ();
			char name[16], nm[16];

			/* Small queues on purpose: full queues and ENQCMD retries. */
			w->id = (int)*nwqs;
			w->group = (int)g;
			w->shared = chance(s, 75);
			w->bof = chance(s, 50);
			w->size = 1 + (unsigned)below(s, budget > 32 ? 32 : budget);
			budget -= w->size;
			snprintf(name, sizeof(name), "wq0.%d", w->id);
			snprintf(nm, sizeof(nm), "t%d", w->id);
			ADD(wq, "dev", STR(name));
			ADD(wq, "mode", STR(w->shared ? "shared" : "dedicated"));
			ADD(wq, "size", INT(w->size));
			ADD(wq, "group_id", INT(g));
			ADD(wq, "priority", INT(1 + below(s, 15)));
			ADD(wq, "block_on_fault", INT(w->bof));
			ADD(wq, "type", STR("user"));
			ADD(wq, "name", STR(nm));
			ADD(wq, "driver_name", STR("user"));
			if (w->shared)
				ADD(wq, "threshold", INT(1 + below(s, w->size)));
			json_object_array_add(gw, wq);
			(*nwqs)++;
		}
		for (unsigned i = 0; i < e; i++) {
			json_object *en = OBJ();
			char name[16];

			snprintf(name, sizeof(name), "engine0.%u", 4 - neng + i);
			ADD(en, "dev", STR(name));
			ADD(en, "group_id", INT(g));
			json_object_array_add(ge, en);
		}
		neng -= e;
		ADD(grp, "grouped_workqueues", gw);
		ADD(grp, "grouped_engines", ge);
		json_object_array_add(groups, grp);
	}
	ADD(dev, "groups", groups);
	json_object_array_add(all, dev);
	return all;
}

static const char *bufname(unsigned i)
{
	static const char *const n[] = { "b0", "b1", "b2", "b3" };

	return n[i % 4];
}

static json_object *step_submit(uint64_t *s, const struct gen_wq *w, uint64_t *sizes, unsigned nbufs)
{
	static const char *const ops[] = { "memmove", "memmove", "memmove", "fill", "compare", "crc", "noop" };
	json_object *st = OBJ();
	const char *op = ops[below(s, 7)];
	unsigned a = (unsigned)below(s, nbufs), b = (unsigned)below(s, nbufs);
	uint64_t max = sizes[a] < sizes[b] ? sizes[a] : sizes[b];

	ADD(st, "do", STR("submit"));
	ADD(st, "wq", STR(w->shared ? "q" : "d"));
	ADD(st, "op", STR(op));
	if (strcmp(op, "fill"))
		ADD(st, "src", STR(bufname(a)));
	if (strcmp(op, "crc"))
		ADD(st, "dst", STR(bufname(b)));
	ADD(st, "size", INT(1 + below(s, max)));
	ADD(st, "count", INT(1 + below(s, 12)));
	if (chance(s, 20))
		ADD(st, "batch", INT(2 + below(s, 7)));
	if (w->bof && chance(s, 60))
		ADD(st, "bof", BOOL(true));
	if (chance(s, 25))
		ADD(st, "wait", STR("none"));
	else if (chance(s, 30))
		ADD(st, "wait", STR("umwait"));	/* rests in UMWAIT: resets, kills and faults meet it too */
	return st;
}

static json_object *gen_steps(uint64_t *s, const struct gen_wq *shared, const struct gen_wq *ded,
			      bool top, unsigned depth)
{
	json_object *steps = json_object_new_array(), *st;
	uint64_t sizes[4];
	unsigned nbufs = 1 + (unsigned)below(s, 3), n = 3 + (unsigned)below(s, 10);

	for (unsigned i = 0; i < nbufs; i++) {
		sizes[i] = 4096 * (1 + below(s, 48)) - (chance(s, 30) ? below(s, 4000) : 0);
		st = OBJ();
		ADD(st, "do", STR("mmap"));
		ADD(st, "as", STR(bufname(i)));
		ADD(st, "size", INT(sizes[i]));
		json_object_array_add(steps, st);
		if (chance(s, 70)) {
			st = OBJ();
			ADD(st, "do", STR("touch"));
			ADD(st, "buf", STR(bufname(i)));
			ADD(st, "write", BOOL(true));
			json_object_array_add(steps, st);
		}
	}
	if (shared) {
		st = OBJ();
		ADD(st, "do", STR("open"));
		ADD(st, "wq", STR(shared->id == 0 ? "wq0.0" : shared->id == 1 ? "wq0.1" :
				  shared->id == 2 ? "wq0.2" : "wq0.3"));
		ADD(st, "as", STR("q"));
		json_object_array_add(steps, st);
	}
	if (ded) {
		char n2[16];

		snprintf(n2, sizeof(n2), "wq0.%d", ded->id);
		st = OBJ();
		ADD(st, "do", STR("open"));
		ADD(st, "wq", STR(n2));
		ADD(st, "as", STR("d"));
		json_object_array_add(steps, st);
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned what = (unsigned)below(s, 100), b = (unsigned)below(s, nbufs);

		if (what < 55 && (shared || ded)) {
			const struct gen_wq *w = shared && (!ded || chance(s, 70)) ? shared : ded;

			json_object_array_add(steps, step_submit(s, w, sizes, nbufs));
			continue;
		}
		st = OBJ();
		if (what < 63) {
			ADD(st, "do", STR("munmap"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "offset", INT(0));
			ADD(st, "size", INT(4096));
		} else if (what < 70) {
			ADD(st, "do", STR("mprotect"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "prot", STR(chance(s, 50) ? "r" : "rw"));
		} else if (what < 76) {
			ADD(st, "do", STR(chance(s, 50) ? "migrate" : "reclaim"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "offset", INT(4096 * below(s, (sizes[b] + 4095) / 4096)));
		} else if (what < 82) {
			ADD(st, "do", STR("touch"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "write", BOOL(chance(s, 50)));
		} else if (what < 88 && top && depth == 0) {
			ADD(st, "do", STR(chance(s, 50) ? "thread" : "fork"));
			ADD(st, "run", STR("side"));
		} else if (what < 94) {
			ADD(st, "do", STR("sleep"));
			ADD(st, "ns", INT(below(s, 20000)));
		} else if (what < 97 && top) {
			/* Exit in the middle: work may still be in flight. */
			ADD(st, "do", STR("exit"));
			ADD(st, "code", INT(below(s, 3)));
		} else {
			ADD(st, "do", STR("sleep"));
			ADD(st, "ns", INT(100));
		}
		json_object_array_add(steps, st);
	}
	return steps;
}

char *torture_scenario(uint64_t seed)
{
	uint64_t s = seed * 0x2545F4914F6CDD1Dull + 1;
	json_object *root = OBJ(), *procs = json_object_new_array(), *machine = OBJ(), *iommu, *faults;
	struct gen_wq wqs[8];
	unsigned nwqs, nprocs = 1 + (unsigned)below(&s, 4);
	bool ded_taken[8] = { false };
	char name[48], *text;

	snprintf(name, sizeof(name), "torture seed %llu", (unsigned long long)seed);
	ADD(root, "name", STR(name));
	ADD(root, "seed", INT(seed & 0x7fffffffffffffffull));
	ADD(root, "accel_config", gen_config(&s, wqs, &nwqs));
	ADD(machine, "cpus", INT(1 + below(&s, 4)));
	ADD(machine, "ram_mb", INT(64));
	if (chance(&s, 15))	/* out of memory in a fault */
		ADD(machine, "frames", INT(600 + below(&s, 1500)));
	if (chance(&s, 20))	/* ATC capacity pressure: 1 to 4 sets of 4 ways */
		ADD(machine, "atc_entries", INT(4 * (1 + below(&s, 4))));
	ADD(root, "machine", machine);
	iommu = OBJ();
	if (chance(&s, 30)) {	/* IOTLB capacity pressure */
		ADD(iommu, "iotlb_sets", INT(1 + below(&s, 4)));
		ADD(iommu, "iotlb_ways", INT(1 + below(&s, 4)));
	}
	if (chance(&s, 25)) {	/* page request queue overflow */
		static const char *const pol[] = { "success", "invalid", "drop" };

		ADD(iommu, "prq_limit", INT(1 + below(&s, 3)));
		ADD(iommu, "prq_overflow", STR(pol[below(&s, 3)]));
	}
	ADD(root, "iommu", iommu);
	faults = OBJ();
	if (chance(&s, 20))	/* page response failures */
		ADD(faults, "iopf_response_failures", INT(1 + below(&s, 3)));
	if (chance(&s, 15))	/* device reset with work in flight */
		ADD(faults, "device_reset_at_ns", INT(10000 + below(&s, 400000)));
	if (chance(&s, 10))	/* a fatal device error: halt, and the driver's recovery */
		ADD(faults, "device_halt_at_ns", INT(10000 + below(&s, 400000)));
	if (chance(&s, 15))	/* lost interrupts, found again later */
		ADD(faults, "irq_lost_every", INT(1 + below(&s, 4)));
	if (chance(&s, 15))	/* spurious interrupts */
		ADD(faults, "irq_spurious_every", INT(1 + below(&s, 4)));
	ADD(faults, "poll_limit_ns", INT(2000000));
	ADD(faults, "time_limit_ns", INT(2 * 1000000000ll));
	ADD(root, "faults", faults);
	for (unsigned p = 0; p < nprocs; p++) {
		json_object *proc = OBJ(), *threads = OBJ();
		const struct gen_wq *sh = NULL, *de = NULL;
		unsigned pick = (unsigned)below(&s, nwqs);

		for (unsigned k = 0; k < nwqs; k++) {
			const struct gen_wq *w = &wqs[(pick + k) % nwqs];

			if (w->shared && !sh)
				sh = w;
			/* A dedicated WQ admits one process: hand each to one. */
			if (!w->shared && !de && !ded_taken[w->id] && chance(&s, 50)) {
				de = w;
				ded_taken[w->id] = true;
			}
		}
		snprintf(name, sizeof(name), "p%u", p);
		ADD(proc, "name", STR(name));
		ADD(proc, "start_ns", INT(below(&s, 50000)));
		ADD(proc, "main", gen_steps(&s, sh, de, true, 0));
		ADD(threads, "side", gen_steps(&s, NULL, NULL, false, 1));
		ADD(proc, "threads", threads);
		json_object_array_add(procs, proc);
	}
	ADD(root, "processes", procs);
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return text;
}
