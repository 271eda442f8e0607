/* SPDX-License-Identifier: MIT */
/*
 * sva bench: suites that mirror the experiments of Kuper et al., "A
 * Quantitative Analysis and Guidelines of Data Streaming Accelerator in
 * Modern Intel Xeon Scalable Processors" (ASPLOS'24), measured in virtual
 * time by guest programs on systems built for each point.
 *
 * A suite produces one table: rows are points on the x axis (a transfer
 * size, a queue depth, a case name), columns are series (DSA sync, DSA
 * async, CPU memcpy, ...).  The writers print it as text, JSON, CSV or SVG.
 */
#ifndef SVA_TOOLS_BENCH_H
#define SVA_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sva/timing.h>

#define BENCH_MAX_ROWS 16
#define BENCH_MAX_COLS 6
#define BENCH_MAX_NOTES 6

struct bench_table {
	const char *suite;		/* command-line name */
	const char *title;
	const char *paper;		/* the experiment it mirrors */
	const char *xlabel;		/* "transfer size", "outstanding descriptors" */
	const char *xunit;		/* "B", "" */
	bool xlog;			/* numeric x plotted on a log2 axis */
	bool ylog;			/* values plotted on a log10 axis (line charts) */
	bool categorical;		/* rows named, not numbered (bar chart) */
	const char *yunit;		/* unit of every column: "GB/s", "us" */
	unsigned nrows, ncols;
	const char *cols[BENCH_MAX_COLS];
	double x[BENCH_MAX_ROWS];
	char rowname[BENCH_MAX_ROWS][32];
	double v[BENCH_MAX_ROWS][BENCH_MAX_COLS];	/* NaN = not measured */
	unsigned nnotes;
	char notes[BENCH_MAX_NOTES][200];
	unsigned verify_fail;		/* sampled bytes that were wrong */
	unsigned errors;		/* guest-side failures */
	char first_error[160];
};

struct bench_opts {
	bool quick;
	const struct sva_timing *timing;
};

struct bench_suite {
	const char *name;
	const char *summary;
	int (*run)(const struct bench_opts *o, struct bench_table *t);
};

extern const struct bench_suite bench_suites[];
extern const unsigned bench_nsuites;

void bench_note(struct bench_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writers (bench_out.c). */
void bench_print_text(FILE *f, const struct bench_table *t);
void bench_print_csv(FILE *f, const struct bench_table *t, bool header);
/* One JSON object for the table (json-c object, caller owns). */
struct json_object *bench_table_json(const struct bench_table *t);
/* Write DIR/<suite>.svg; 0 or -errno. */
int bench_write_svg(const char *dir, const struct bench_table *t);

#endif
