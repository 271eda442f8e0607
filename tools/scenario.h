/* SPDX-License-Identifier: MIT */
/*
 * Scenarios: processes, threads and their programs as JSON (docs/scenarios.md).
 * scenario_parse.c reads and checks a file; scenario_run.c runs it on a
 * system; report.c prints what happened.
 */
#ifndef SVA_TOOLS_SCENARIO_H
#define SVA_TOOLS_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sva/iommu.h>
#include <sva/pcie.h>
#include <sva/sim.h>
#include <sva/system.h>

struct sva_system;

enum step_kind {
	ST_OPEN, ST_CLOSE, ST_MMAP, ST_MUNMAP, ST_MPROTECT, ST_TOUCH, ST_SUBMIT,
	ST_THREAD, ST_JOIN, ST_FORK, ST_WAITPID, ST_SLEEP, ST_MIGRATE, ST_RECLAIM,
	ST_EXIT, ST_ENQCMD, ST_DESC, ST_RAW,
};

enum submit_op { OP_MEMMOVE, OP_FILL, OP_COMPARE, OP_CRC, OP_NOOP, OP_CFLUSH };

#define SCN_NAME 32

/* An address in a "desc" or "raw" step: buffer + offset, or absolute (buf[0] == 0). */
struct scn_addr {
	char buf[SCN_NAME];
	uint64_t off;			/* offset in the buffer, or the virtual address */
};

/* How a descriptor reaches the device ("submit"). */
enum scn_path { PATH_DEFAULT, PATH_ENQCMD, PATH_MOVDIR64B, PATH_WRITE };

/* What a step asserts of a completion record ("expect"); a field is checked when its bit is set. */
enum {
	EX_STATUS = 1, EX_WRITE = 2, EX_RESULT = 4, EX_BYTES = 8, EX_FAULT_ADDR = 16,
	EX_INVALID_FLAGS = 32, EX_DELTA_SIZE = 64, EX_CRC = 128,
};
struct scn_expect {
	unsigned what;			/* EX_* */
	bool refused;			/* "accepted": false - the portal or write() refuses it */
	uint8_t status;			/* bits 6:0 */
	bool write;
	uint8_t result;
	uint32_t bytes, delta_size, invalid_flags;
	uint64_t crc;
	struct scn_addr fault_addr;
};

/* "check": bytes of memory after the step. */
enum scn_check_kind { CHK_SAME_AS, CHK_BYTE, CHK_PATTERN, CHK_HEX };
struct scn_check {
	struct scn_addr at;
	uint64_t size;
	enum scn_check_kind kind;
	struct scn_addr other;		/* CHK_SAME_AS */
	uint64_t value;			/* CHK_BYTE, CHK_PATTERN */
	uint8_t *hex;			/* CHK_HEX: @size bytes */
};

/*
 * One descriptor of a "desc" or "raw" step, or a member of its batch: 64
 * bytes given outright (@bytes where @set) and addresses resolved when it
 * runs (@addr at byte @addr_at[i]).
 */
#define SCN_DESC_ADDRS 6
struct scn_desc {
	uint8_t bytes[64], set[64];
	struct scn_addr addr[SCN_DESC_ADDRS];
	uint8_t addr_at[SCN_DESC_ADDRS];
	unsigned naddr;
	bool cr_given;			/* "completion" given: else the step's own record slot */
	bool list_given;		/* a batch's list address given: else the step's list */
	bool count_given;		/* a batch's count given: else the number of members */
	bool has_expect;
	struct scn_expect expect;
	struct scn_desc *members;	/* a batch's list */
	unsigned nmembers;
	enum scn_path path;
	struct scn_check *checks;
	unsigned nchecks;
};

struct step {
	enum step_kind kind;
	char a[SCN_NAME];		/* buffer / wq variable, or the name it defines */
	char b[SCN_NAME];		/* second buffer (destination) */
	char run[SCN_NAME];		/* step list for thread / fork */
	uint64_t size, offset, ns, count;
	unsigned prot;
	unsigned batch;
	int code;
	enum submit_op op;
	uint64_t pattern;
	bool shared, write, bof, verify, resubmit, nowait;
	bool umwait;		/* "wait": "umwait": rest on each record in UMONITOR/UMWAIT */
	char path[128];			/* JSON path, for run-time messages */
	struct scn_desc *desc;		/* "desc" and "raw" steps (owned) */
};

struct steplist {
	char name[SCN_NAME];
	struct step *steps;
	unsigned n;
};

struct scn_proc {
	char name[SCN_NAME];
	sva_time_t start;
	struct steplist main;
	struct steplist *lists;		/* named lists for thread / fork */
	unsigned nlists;
};

struct scenario {
	char name[64];
	char description[512];
	uint64_t seed;
	bool has_seed;
	char *accel_config;		/* JSON text or a file path; NULL = default */
	unsigned cpus;
	uint64_t ram;
	uint32_t pasid_max;
	uint64_t frames;		/* usable RAM frames (forces OOM); 0 = all */
	unsigned atc_entries;		/* device TLB entries per DSA; 0 = default */
	struct sva_pcie_path_config pcie_path;	/* root port .. each DSA; all zero = default */
	struct sva_iommu_config iommu;
	/* fault plan */
	unsigned iopf_failures;		/* answer this many page request groups with Response Failure */
	sva_time_t time_limit;		/* the run fails if it has not ended by then; 0 = 10 s */
	sva_time_t reset_at;		/* reset the first device then (with recovery); 0 = never */
	sva_time_t halt_at;		/* halt the first device then (the driver recovers it) */
	unsigned irq_lost_every, irq_spurious_every;
	sva_time_t poll_limit;		/* give up on a completion record after this; 0 = 50 ms */
	struct scn_proc *procs;
	unsigned nprocs;
};

/*
 * Parse @text (file @origin, for messages).  Returns 0, or -EINVAL with
 * one message "path: reason" in @err.
 */
int scenario_parse(const char *text, const char *origin, const char *base_dir,
		   struct scenario **out, char *err, size_t errlen);
int scenario_load(const char *path, struct scenario **out, char *err, size_t errlen);
void scenario_free(struct scenario *s);
/* The embedded default scenario (examples/scenarios/default.json). */
const char *scenario_default_text(void);

/* What the runner saw of each process, for the report. */
struct proc_record {
	int pid;
	char name[SCN_NAME];
	int parent;			/* 0 for top-level processes */
	uint32_t pasid;			/* 0: never had one */
	sva_time_t pasid_at;		/* when it got it */
	char pasid_how[48];
	uint64_t gp_fixups, threads, enq_accepted, enq_retry, movdir64b, umwait, page_faults;
	uint64_t descs, partials, resubmits, verify_fail;
	bool exited;
	int code, signal;
	char reason[64];
};

struct run_result {
	struct proc_record *recs;
	unsigned nrecs, caprecs;
	uint64_t descs_submitted, descs_completed, partials, resubmits, verify_fail, bytes;
	uint64_t errors;		/* scenario steps that failed */
	char first_error[400];
	int sim_status;			/* sva_sim_run's result */
};

struct run_opts {
	uint64_t seed;
	bool seed_given;
	bool progress;			/* progress lines on stderr */
};

int scenario_run(const struct scenario *s, struct sva_system *sys, const struct run_opts *o,
		 struct run_result *res);

/*
 * The machine @s asks for (scenario_system.c): every command that runs a
 * scenario builds its system from here, so `sva torture` replays exactly
 * what `sva run` of the printed scenario does.
 */
struct sva_system_config scenario_system_config(const struct scenario *s, uint64_t seed);
void run_result_free(struct run_result *r);

/* report.c */
/*
 * Every WQ's accepted descriptors ended exactly once: accepted = completed
 * + aborted + lost with none in flight (docs/dsa.md §3.1).  Returns how
 * many WQs break it; the first is described in @msg.
 */
unsigned report_check_accounting(struct sva_system *sys, char *msg, size_t len);
void report_human(FILE *f, const struct scenario *s, struct sva_system *sys,
		  const struct run_result *r, uint64_t seed);
void report_json(FILE *f, const struct scenario *s, struct sva_system *sys,
		 const struct run_result *r, uint64_t seed);

#endif
