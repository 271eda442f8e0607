// SPDX-License-Identifier: MIT
/* sva bench: the writers - text tables, CSV, JSON and hand-written SVG charts. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "bench.h"
#include "sva_cli.h"

void bench_note(struct bench_table *t, const char *fmt, ...)
{
	va_list ap;

	if (t->nnotes >= BENCH_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(t->notes[t->nnotes++], sizeof(t->notes[0]), fmt, ap);
	va_end(ap);
}

/* No libm for the tools: the few helpers the charts need. */
static double lg2(double x)
{
	double r = 0;

	/* x is a positive count (a size, a depth); exact at powers of two, linear between. */
	while (x >= 2) {
		x /= 2;
		r += 1;
	}
	while (x < 1) {
		x *= 2;
		r -= 1;
	}
	return r + (x - 1);
}

static bool whole_multiple(double x, double unit)
{
	double q = x / unit;

	return q == (double)(uint64_t)q;
}

/* "256 B", "4 KiB", "1 MiB" */
static void fmt_x(char *buf, size_t len, const struct bench_table *t, unsigned r)
{
	double x = t->x[r];

	if (t->categorical)
		snprintf(buf, len, "%s", t->rowname[r]);
	else if (!strcmp(t->xunit, "B") && x >= 1048576 && whole_multiple(x, 1048576))
		snprintf(buf, len, "%.0f MiB", x / 1048576);
	else if (!strcmp(t->xunit, "B") && x >= 1024 && whole_multiple(x, 1024))
		snprintf(buf, len, "%.0f KiB", x / 1024);
	else
		snprintf(buf, len, "%g%s%s", x, t->xunit[0] ? " " : "", t->xunit);
}

static void fmt_v(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v >= 100 || v <= -100)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

void bench_print_text(FILE *f, const struct bench_table *t)
{
	char buf[64];
	int w0 = (int)strlen(t->xlabel);

	for (unsigned r = 0; r < t->nrows; r++) {
		fmt_x(buf, sizeof(buf), t, r);
		if ((int)strlen(buf) > w0)
			w0 = (int)strlen(buf);
	}
	fprintf(f, "== %s: %s\n   mirrors %s; values in %s\n\n", t->suite, t->title, t->paper, t->yunit);
	fprintf(f, "  %-*s", w0, t->xlabel);
	for (unsigned c = 0; c < t->ncols; c++)
		fprintf(f, "  %*s", (int)(strlen(t->cols[c]) > 10 ? strlen(t->cols[c]) : 10), t->cols[c]);
	fprintf(f, "\n");
	for (unsigned r = 0; r < t->nrows; r++) {
		fmt_x(buf, sizeof(buf), t, r);
		fprintf(f, "  %-*s", w0, buf);
		for (unsigned c = 0; c < t->ncols; c++) {
			fmt_v(buf, sizeof(buf), t->v[r][c]);
			fprintf(f, "  %*s", (int)(strlen(t->cols[c]) > 10 ? strlen(t->cols[c]) : 10), buf);
		}
		fprintf(f, "\n");
	}
	for (unsigned n = 0; n < t->nnotes; n++)
		fprintf(f, "%s  %s\n", n ? "" : "\n", t->notes[n]);
	if (t->verify_fail || t->errors)
		fprintf(f, "  FAILED: %u wrong sampled bytes, %u errors; first: %s\n", t->verify_fail, t->errors,
			t->first_error);
	fprintf(f, "\n");
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void bench_print_csv(FILE *f, const struct bench_table *t, bool header)
{
	if (header)
		fprintf(f, "suite,x,x_unit,series,value,unit\n");
	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned c = 0; c < t->ncols; c++) {
			if (isnan(t->v[r][c]))
				continue;
			fprintf(f, "%s,", t->suite);
			if (t->categorical)
				csv_field(f, t->rowname[r]);
			else
				fprintf(f, "%g", t->x[r]);
			fprintf(f, ",%s,", t->xunit);
			csv_field(f, t->cols[c]);
			fprintf(f, ",%.6g,%s\n", t->v[r][c], t->yunit);
		}
}

struct json_object *bench_table_json(const struct bench_table *t)
{
	struct json_object *o = json_object_new_object(), *cols = json_object_new_array();
	struct json_object *rows = json_object_new_array(), *notes = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(t->suite));
	json_object_object_add(o, "title", json_object_new_string(t->title));
	json_object_object_add(o, "mirrors", json_object_new_string(t->paper));
	json_object_object_add(o, "x_label", json_object_new_string(t->xlabel));
	json_object_object_add(o, "x_unit", json_object_new_string(t->xunit));
	json_object_object_add(o, "unit", json_object_new_string(t->yunit));
	for (unsigned c = 0; c < t->ncols; c++)
		json_object_array_add(cols, json_object_new_string(t->cols[c]));
	json_object_object_add(o, "series", cols);
	for (unsigned r = 0; r < t->nrows; r++) {
		struct json_object *row = json_object_new_object(), *vals = json_object_new_array();

		if (t->categorical)
			json_object_object_add(row, "x", json_object_new_string(t->rowname[r]));
		else
			json_object_object_add(row, "x", json_object_new_double(t->x[r]));
		for (unsigned c = 0; c < t->ncols; c++)
			json_object_array_add(vals, isnan(t->v[r][c]) ? NULL : json_object_new_double(t->v[r][c]));
		json_object_object_add(row, "values", vals);
		json_object_array_add(rows, row);
	}
	json_object_object_add(o, "rows", rows);
	for (unsigned n = 0; n < t->nnotes; n++)
		json_object_array_add(notes, json_object_new_string(t->notes[n]));
	json_object_object_add(o, "notes", notes);
	json_object_object_add(o, "verify_failures", json_object_new_int64(t->verify_fail));
	json_object_object_add(o, "errors", json_object_new_int64(t->errors));
	return o;
}

/* ---- SVG ---------------------------------------------------------------------- */

static const char *const colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b" };

#define W 760
#define H 440
#define ML 70
#define MR 200
#define MT 50
#define MB 60

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A "nice" axis maximum and step for [0, max]. */
static double nice_step(double max, double *top)
{
	double raw = max / 5, mag = 1, step;

	if (!(raw > 0))
		raw = 0.2;
	while (mag > raw)
		mag /= 10;
	while (mag * 10 <= raw)
		mag *= 10;
	step = raw / mag <= 1 ? mag : raw / mag <= 2 ? 2 * mag : raw / mag <= 5 ? 5 * mag : 10 * mag;
	*top = step;
	while (*top < max)
		*top += step;
	return step;
}

/* The y axis: linear from 0 to @top, or log10 over whole decades [lo, hi]. */
struct yaxis {
	bool log;
	double top, lo, hi;
	int ph;
};

static double ypos(const struct yaxis *a, double v)
{
	double f = a->log ? (log10(v) - a->lo) / (a->hi - a->lo) : v / a->top;

	return MT + a->ph - f * a->ph;
}

int bench_write_svg(const char *dir, const struct bench_table *t)
{
	char path[4096], buf[64];
	double ymax = 0, ymin = INFINITY, top, step, x0, x1;
	struct yaxis ya;
	int pw = W - ML - MR, ph = H - MT - MB;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.svg", dir, t->suite);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned c = 0; c < t->ncols; c++)
			if (!isnan(t->v[r][c])) {
				if (t->v[r][c] > ymax)
					ymax = t->v[r][c];
				if (t->v[r][c] > 0 && t->v[r][c] < ymin)
					ymin = t->v[r][c];
			}
	step = nice_step(ymax * 1.05, &top);
	ya = (struct yaxis){ .log = t->ylog && !t->categorical && t->nrows >= 2 && ymin < INFINITY,
			     .top = top, .ph = ph };
	if (ya.log) {
		ya.lo = floor(log10(ymin));
		ya.hi = ceil(log10(ymax));
		if (ya.hi <= ya.lo)
			ya.hi = ya.lo + 1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, H, W, H);
	fprintf(f, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">", ML);
	xml_text(f, t->title);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"38\" fill=\"#555\">sva bench %s - mirrors ", ML, t->suite);
	xml_text(f, t->paper);
	fprintf(f, "</text>\n");
	/* y grid and labels: every step, or every decade */
	for (double y = ya.log ? pow(10, ya.lo) : 0; ya.log ? y <= pow(10, ya.hi) * 1.01 : y <= top + step / 2;
	     y = ya.log ? y * 10 : y + step) {
		double py = ypos(&ya, y);

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", ML, py, ML + pw, py);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", ML - 6, py + 4, y);
	}
	fprintf(f, "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">", MT + ph / 2);
	xml_text(f, t->yunit);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ML + pw / 2, H - 14);
	xml_text(f, t->xlabel);
	fprintf(f, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n",
		ML, MT, pw, ph);
	if (t->categorical || t->nrows < 2) {
		/* grouped bars */
		double gw = (double)pw / (t->nrows ? t->nrows : 1), bw = gw * 0.8 / (t->ncols ? t->ncols : 1);

		for (unsigned r = 0; r < t->nrows; r++) {
			double gx = ML + r * gw + gw * 0.1;

			for (unsigned c = 0; c < t->ncols; c++) {
				double v = t->v[r][c], hgt;

				if (isnan(v))
					continue;
				hgt = v / top * ph;
				fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
					"<title>%g</title></rect>\n", gx + c * bw, MT + ph - hgt, bw * 0.95, hgt,
					colors[c % 6], v);
			}
			fmt_x(buf, sizeof(buf), t, r);
			fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">",
				ML + r * gw + gw / 2, MT + ph + 16);
			xml_text(f, buf);
			fprintf(f, "</text>\n");
		}
	} else {
		x0 = t->xlog ? lg2(t->x[0]) : t->x[0];
		x1 = t->xlog ? lg2(t->x[t->nrows - 1]) : t->x[t->nrows - 1];
		if (x1 <= x0)
			x1 = x0 + 1;
		for (unsigned r = 0; r < t->nrows; r++) {
			double px = ML + ((t->xlog ? lg2(t->x[r]) : t->x[r]) - x0) / (x1 - x0) * pw;

			fmt_x(buf, sizeof(buf), t, r);
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n"
				"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">",
				px, MT + ph, px, MT + ph + 5, px, MT + ph + 18);
			xml_text(f, buf);
			fprintf(f, "</text>\n");
		}
		for (unsigned c = 0; c < t->ncols; c++) {
			bool pen = false;

			fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", colors[c % 6]);
			for (unsigned r = 0; r < t->nrows; r++) {
				double px = ML + ((t->xlog ? lg2(t->x[r]) : t->x[r]) - x0) / (x1 - x0) * pw;

				if (isnan(t->v[r][c]) || (ya.log && !(t->v[r][c] > 0))) {
					pen = false;
					continue;
				}
				fprintf(f, "%s%.1f %.1f ", pen ? "L" : "M", px, ypos(&ya, t->v[r][c]));
				pen = true;
			}
			fprintf(f, "\"/>\n");
			for (unsigned r = 0; r < t->nrows; r++) {
				double px = ML + ((t->xlog ? lg2(t->x[r]) : t->x[r]) - x0) / (x1 - x0) * pw;

				if (!isnan(t->v[r][c]) && (!ya.log || t->v[r][c] > 0))
					fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%g</title>"
						"</circle>\n", px, ypos(&ya, t->v[r][c]), colors[c % 6], t->v[r][c]);
			}
		}
	}
	/* legend */
	for (unsigned c = 0; c < t->ncols; c++) {
		int ly = MT + 10 + (int)c * 20;

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/>\n"
			"<text x=\"%d\" y=\"%d\">", ML + pw + 12, ly, colors[c % 6], ML + pw + 32, ly + 10);
		xml_text(f, t->cols[c]);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</svg>\n");
	return -sva_close_output(f);
}
