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

static json_object *gen_config(uint64_t *s, struct gen_wq *wqs, unsigned *nwqs, bool storm)
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
			if (storm && w->shared)	/* one or two slots: most ENQCMDs find it full */
				w->size = 1 + (unsigned)below(s, 2);
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

/*
 * What a seed stresses beyond the common mix.  The shapes come from bugs
 * found by hand through the public interfaces (issue 14): each one makes a
 * class of interleaving likely that a uniform mix of steps almost never
 * produces.
 */
enum shape {
	SHAPE_MIX,	/* the uniform mix of everything */
	SHAPE_THREADS,	/* threads that open, submit, close and reopen at once */
	SHAPE_FORKS,	/* children that bind their own mm; waitpid from several threads */
	SHAPE_PASIDS,	/* many processes competing for a small PASID space */
	SHAPE_STORM,	/* ENQCMD storms against a full shared WQ */
	SHAPE_RACES,	/* munmap, mprotect and close racing in-flight work */
	NR_SHAPES
};

static const char *const shape_names[NR_SHAPES] = {
	"mix", "threads", "forks", "pasids", "storm", "races",
};

/* Where a step list runs, and what it may use. */
struct list_ctx {
	enum shape shape;
	const struct gen_wq *shared, *shared2, *ded;
	bool top;	/* a process's main list (may fork, exit, start threads) */
	bool child;	/* a fork child's list: its mm has no PASID until it opens */
};

static json_object *step_submit(uint64_t *s, const struct list_ctx *c, const char *wq,
				bool dedicated, const uint64_t *sizes, unsigned nbufs)
{
	static const char *const ops[] = { "memmove", "memmove", "memmove", "fill", "compare", "crc", "noop" };
	json_object *st = OBJ();
	const char *op = ops[below(s, 7)];
	unsigned a = (unsigned)below(s, nbufs), b = (unsigned)below(s, nbufs);
	uint64_t max = sizes[a] < sizes[b] ? sizes[a] : sizes[b];
	const struct gen_wq *w = dedicated ? c->ded : c->shared;
	bool storm = c->shape == SHAPE_STORM;

	ADD(st, "do", STR("submit"));
	ADD(st, "wq", STR(wq));
	ADD(st, "op", STR(op));
	if (strcmp(op, "fill"))
		ADD(st, "src", STR(bufname(a)));
	if (strcmp(op, "crc"))
		ADD(st, "dst", STR(bufname(b)));
	/* A storm wants many small descriptors, so the queue, not the data path, is the limit. */
	ADD(st, "size", INT(1 + below(s, storm ? (max < 256 ? max : 256) : max)));
	ADD(st, "count", INT(storm ? 8 + below(s, 40) : 1 + below(s, 12)));
	if (chance(s, storm ? 5 : 20))
		ADD(st, "batch", INT(2 + below(s, 7)));
	if (w && w->bof && chance(s, 60))
		ADD(st, "bof", BOOL(true));
	/* Racing shapes leave work in flight for the next step to pull the rug from under. */
	if (chance(s, c->shape == SHAPE_RACES ? 70 : 25))
		ADD(st, "wait", STR("none"));
	else if (chance(s, 30))
		ADD(st, "wait", STR("umwait"));	/* rests in UMWAIT: resets, kills and faults meet it too */
	return st;
}

static json_object *step_open(const struct gen_wq *w, const char *as)
{
	json_object *st = OBJ();
	char n[16];

	snprintf(n, sizeof(n), "wq0.%d", w->id);
	ADD(st, "do", STR("open"));
	ADD(st, "wq", STR(n));
	ADD(st, "as", STR(as));
	return st;
}

static json_object *step_named(const char *what, const char *key, const char *val)
{
	json_object *st = OBJ();

	ADD(st, "do", STR(what));
	if (key)
		ADD(st, key, STR(val));
	return st;
}

/* A step that takes memory or the portal away, right after work was left in flight. */
static json_object *step_rug(uint64_t *s, const struct list_ctx *c, const uint64_t *sizes, unsigned nbufs)
{
	unsigned b = (unsigned)below(s, nbufs), what = (unsigned)below(s, 100);
	json_object *st = OBJ();

	if (what < 35) {
		uint64_t pages = (sizes[b] + 4095) / 4096, first = below(s, pages);

		ADD(st, "do", STR("munmap"));
		ADD(st, "buf", STR(bufname(b)));
		ADD(st, "offset", INT(4096 * first));
		ADD(st, "size", INT(4096 * (1 + below(s, pages - first))));
	} else if (what < 60) {
		ADD(st, "do", STR("mprotect"));
		ADD(st, "buf", STR(bufname(b)));
		ADD(st, "prot", STR(chance(s, 30) ? "none" : chance(s, 50) ? "r" : "rw"));
	} else if (what < 85 && (c->shared || c->ded)) {
		json_object_put(st);
		return step_named("close", "wq", c->shared && (!c->ded || chance(s, 70)) ? "q" : "d");
	} else {
		ADD(st, "do", STR(chance(s, 50) ? "migrate" : "reclaim"));
		ADD(st, "buf", STR(bufname(b)));
		ADD(st, "offset", INT(4096 * below(s, (sizes[b] + 4095) / 4096)));
	}
	return st;
}

/* Per-shape odds (in 100) of the steps that only some shapes want often. */
struct odds {
	unsigned submit, reopen, waitpid, spawn, enqcmd;
};

static struct odds shape_odds(enum shape sh)
{
	switch (sh) {
	case SHAPE_THREADS: return (struct odds){ .submit = 45, .reopen = 12, .waitpid = 2, .spawn = 10, .enqcmd = 3 };
	case SHAPE_FORKS:   return (struct odds){ .submit = 35, .reopen = 5, .waitpid = 14, .spawn = 14, .enqcmd = 3 };
	case SHAPE_PASIDS:  return (struct odds){ .submit = 40, .reopen = 15, .waitpid = 3, .spawn = 4, .enqcmd = 3 };
	case SHAPE_STORM:   return (struct odds){ .submit = 55, .reopen = 3, .waitpid = 2, .spawn = 8, .enqcmd = 15 };
	case SHAPE_RACES:   return (struct odds){ .submit = 50, .reopen = 8, .waitpid = 2, .spawn = 6, .enqcmd = 3 };
	default:            return (struct odds){ .submit = 55, .reopen = 3, .waitpid = 3, .spawn = 6, .enqcmd = 2 };
	}
}

static json_object *gen_steps(uint64_t *s, const struct list_ctx *c)
{
	json_object *steps = json_object_new_array(), *st;
	struct odds o = shape_odds(c->shape);
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
	if (c->shared)
		json_object_array_add(steps, step_open(c->shared, "q"));
	if (c->ded)
		json_object_array_add(steps, step_open(c->ded, "d"));
	for (unsigned i = 0; i < n; i++) {
		unsigned what = (unsigned)below(s, 100), b = (unsigned)below(s, nbufs);
		bool have_wq = c->shared || c->ded;

		if (what < o.submit && have_wq) {
			bool ded = c->ded && (!c->shared || chance(s, 30));

			json_object_array_add(steps, step_submit(s, c, ded ? "d" : "q", ded, sizes, nbufs));
			/* In a racing shape the next step often takes memory or the portal away. */
			if (c->shape == SHAPE_RACES && chance(s, 60))
				json_object_array_add(steps, step_rug(s, c, sizes, nbufs));
			continue;
		}
		what = (unsigned)below(s, 100);
		if (what < o.reopen && have_wq) {
			/* Close and reopen: the bind, unbind and drain paths, against other threads' work. */
			const char *nm = c->ded && chance(s, 30) ? "d" : "q";
			const struct gen_wq *w = nm[0] == 'd' ? c->ded : c->shared;

			json_object_array_add(steps, step_named("close", "wq", nm));
			if (!w)
				continue;
			if (chance(s, 50)) {
				st = OBJ();
				ADD(st, "do", STR("sleep"));
				ADD(st, "ns", INT(below(s, 3000)));
				json_object_array_add(steps, st);
			}
			if (chance(s, 85))
				json_object_array_add(steps, step_open(c->shared2 && chance(s, 30) ? c->shared2 : w, nm));
			continue;
		}
		what = (unsigned)below(s, 100);
		if (what < o.enqcmd && c->shared) {
			/* Raw no-op ENQCMDs that nobody waits for: the queue fills, later ones retry. */
			for (unsigned k = 1 + (unsigned)below(s, 6); k; k--)
				json_object_array_add(steps, step_named("enqcmd", "wq", "q"));
			continue;
		}
		what = (unsigned)below(s, 100);
		if (what < o.waitpid) {
			json_object_array_add(steps, step_named("waitpid", NULL, NULL));
			continue;
		}
		what = (unsigned)below(s, 100);
		if (what < o.spawn && c->top) {
			bool fork = c->shape == SHAPE_FORKS ? chance(s, 70) : chance(s, 50);

			st = OBJ();
			ADD(st, "do", STR(fork ? "fork" : "thread"));
			ADD(st, "run", STR(fork ? "kid" : "side"));
			if (!fork && c->shape != SHAPE_MIX)
				ADD(st, "count", INT(1 + below(s, c->shape == SHAPE_STORM ? 6 : 4)));
			json_object_array_add(steps, st);
			continue;
		}
		st = OBJ();
		what = (unsigned)below(s, 100);
		if (what < 18) {
			ADD(st, "do", STR("munmap"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "offset", INT(0));
			ADD(st, "size", INT(4096));
		} else if (what < 33) {
			ADD(st, "do", STR("mprotect"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "prot", STR(chance(s, 50) ? "r" : "rw"));
		} else if (what < 46) {
			ADD(st, "do", STR(chance(s, 50) ? "migrate" : "reclaim"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "offset", INT(4096 * below(s, (sizes[b] + 4095) / 4096)));
		} else if (what < 60) {
			ADD(st, "do", STR("touch"));
			ADD(st, "buf", STR(bufname(b)));
			ADD(st, "write", BOOL(chance(s, 50)));
		} else if (what < 66 && c->top) {
			ADD(st, "do", STR("join"));
		} else if (what < 82) {
			ADD(st, "do", STR("sleep"));
			ADD(st, "ns", INT(below(s, 20000)));
		} else if (what < 88 && (c->top || c->child)) {
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

static enum shape pick_shape(uint64_t *s)
{
	/* Half the seeds keep the uniform mix; the rest go to one shape each. */
	static const unsigned weight[NR_SHAPES] = { 40, 12, 12, 12, 12, 12 };
	unsigned r = (unsigned)below(s, 100);

	for (unsigned i = 0; i < NR_SHAPES; i++) {
		if (r < weight[i])
			return (enum shape)i;
		r -= weight[i];
	}
	return SHAPE_MIX;
}

char *torture_scenario(uint64_t seed)
{
	uint64_t s = seed * 0x2545F4914F6CDD1Dull + 1;
	json_object *root = OBJ(), *procs = json_object_new_array(), *machine = OBJ(), *iommu, *faults;
	struct gen_wq wqs[8];
	enum shape shape = pick_shape(&s);
	unsigned nwqs, nprocs;
	bool ded_taken[8] = { false };
	char name[48], *text;

	switch (shape) {
	case SHAPE_PASIDS: nprocs = 6 + (unsigned)below(&s, 19); break;
	case SHAPE_FORKS: nprocs = 1 + (unsigned)below(&s, 2); break;
	default: nprocs = 1 + (unsigned)below(&s, 4); break;
	}
	snprintf(name, sizeof(name), "torture seed %llu", (unsigned long long)seed);
	ADD(root, "name", STR(name));
	snprintf(name, sizeof(name), "shape: %s", shape_names[shape]);
	ADD(root, "description", STR(name));
	ADD(root, "seed", INT(seed & 0x7fffffffffffffffull));
	ADD(root, "accel_config", gen_config(&s, wqs, &nwqs, shape == SHAPE_STORM));
	ADD(machine, "cpus", INT(1 + below(&s, 4)));
	ADD(machine, "ram_mb", INT(64));
	if (shape == SHAPE_PASIDS)	/* PASIDs 1 .. pasid_max-1: fewer than processes */
		ADD(machine, "pasid_max", INT(2 + below(&s, 5)));
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
		struct list_ctx main = { .shape = shape, .top = true }, side, kid;
		unsigned pick = (unsigned)below(&s, nwqs);

		for (unsigned k = 0; k < nwqs; k++) {
			const struct gen_wq *w = &wqs[(pick + k) % nwqs];

			if (w->shared && !main.shared)
				main.shared = w;
			else if (w->shared && !main.shared2)
				main.shared2 = w;
			/* A dedicated WQ admits one process: hand each to one. */
			if (!w->shared && !main.ded && !ded_taken[w->id] && chance(&s, 50)) {
				main.ded = w;
				ded_taken[w->id] = true;
			}
		}
		/*
		 * Threads share the process's names: in the mix they only use
		 * memory; elsewhere they open (the same or the other shared WQ
		 * under the same name), submit and close beside main.
		 */
		side = (struct list_ctx){ .shape = shape };
		if (shape != SHAPE_MIX && main.shared) {
			side.shared = chance(&s, 50) && main.shared2 ? main.shared2 : main.shared;
			side.shared2 = main.shared;
		}
		/* A fork child's mm has no PASID: in the fork shapes it binds its own. */
		kid = (struct list_ctx){ .shape = shape, .child = true };
		if ((shape == SHAPE_FORKS || shape == SHAPE_PASIDS || chance(&s, 20)) && main.shared) {
			kid.shared = main.shared;
			kid.shared2 = main.shared2;
		}
		snprintf(name, sizeof(name), "p%u", p);
		ADD(proc, "name", STR(name));
		ADD(proc, "start_ns", INT(below(&s, shape == SHAPE_PASIDS ? 400000 : 50000)));
		ADD(proc, "main", gen_steps(&s, &main));
		ADD(threads, "side", gen_steps(&s, &side));
		ADD(threads, "kid", gen_steps(&s, &kid));
		ADD(proc, "threads", threads);
		json_object_array_add(procs, proc);
	}
	ADD(root, "processes", procs);
	text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return text;
}
