// SPDX-License-Identifier: MIT
/* sva config: check and show accel-config JSON configurations. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "os/idxd_config.h"
#include "sva_cli.h"

static void config_usage(FILE *f)
{
	fprintf(f,
		"usage: sva config validate FILE\n"
		"       sva config show [--json] FILE\n"
		"\n"
		"Work with DSA configurations in accel-config's JSON format (what\n"
		"'accel-config save-config' writes and 'load-config' reads), checked\n"
		"against a Sapphire Rapids DSA: 8 WQs, 128 WQ entries, 4 groups,\n"
		"4 engines, 96 read buffers.\n"
		"\n"
		"  validate   check FILE as the kernel would when it is applied\n"
		"  show       print the topology: devices, groups, WQs, engines\n"
		"\n"
		"'sva config <subcommand> --help' describes a subcommand;\n"
		"docs/configuration.md describes the format and every error.\n"
		"\n"
		"Exit status: 0 success, 2 bad usage or bad file.\n");
}

static void validate_usage(FILE *f)
{
	fprintf(f,
		"usage: sva config validate FILE\n"
		"\n"
		"Parse FILE (accel-config JSON) and check it against the device's\n"
		"capabilities the way the idxd driver would when the configuration is\n"
		"applied.  Prints 'FILE: ok (N devices, N groups, N WQs, N engines)',\n"
		"or the first problem on stderr.\n"
		"\n"
		"  -h, --help   this text\n"
		"\n"
		"Exit status: 0 valid, 2 bad usage or bad file.\n");
}

static void show_usage(FILE *f)
{
	fprintf(f,
		"usage: sva config show [--json] FILE\n"
		"\n"
		"Print the configuration in FILE as a table: each device, its groups\n"
		"with their WQs (mode, size, priority, threshold, type, name, block on\n"
		"fault) and engines, then anything noteworthy (unknown keys, values the\n"
		"kernel would round).\n"
		"\n"
		"  --json       print the normalised accel-config JSON instead: every\n"
		"               attribute with its effective value, in save-config order\n"
		"  -h, --help   this text\n"
		"\n"
		"Exit status: 0 success, 2 bad usage or bad file.\n");
}

void sva_note_unmodelled(const char *cmd, const char *file, const struct idxd_config *cfg)
{
	if (!cfg->nr_unmodelled)
		return;
	fprintf(stderr, "%s: note: %s: kept but not modelled: ", cmd, file);
	for (unsigned int i = 0; i < cfg->nr_unmodelled; i++)
		fprintf(stderr, "%s%s", i ? "; " : "", cfg->unmodelled[i]);
	if (cfg->unmodelled_dropped)
		fprintf(stderr, "; and %u more", cfg->unmodelled_dropped);
	fprintf(stderr, "\n");
}

static int load(const char *cmd, const char *path, struct idxd_config **cfg)
{
	char err[IDXD_CFG_ERR_LEN];

	if (idxd_config_load_file(path, NULL, cfg, err, sizeof(err))) {
		fprintf(stderr, "%s: %s: %s\n", cmd, path, err);
		return SVA_EXIT_USAGE;
	}
	return SVA_EXIT_OK;
}

static void count(const struct idxd_config *cfg, unsigned int n[3])
{
	n[0] = n[1] = n[2] = 0;
	for (unsigned int i = 0; i < cfg->nr_devices; i++) {
		n[0] += cfg->devices[i].nr_groups;
		n[1] += cfg->devices[i].nr_wqs;
		n[2] += cfg->devices[i].nr_engines;
	}
}

static const char *plural(unsigned int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* -h/--help or exactly one FILE; returns the file or NULL (and *ret). */
static const char *one_file(int argc, char **argv, bool *json, void (*usage)(FILE *),
			    int *ret)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, json ? "jh" : "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			*ret = SVA_EXIT_OK;
			return NULL;
		}
		if (c == 'j' && json) {
			*json = true;
			continue;
		}
		usage(stderr);
		*ret = SVA_EXIT_USAGE;
		return NULL;
	}
	if (optind != argc - 1) {
		usage(stderr);
		*ret = SVA_EXIT_USAGE;
		return NULL;
	}
	return argv[optind];
}

static int cmd_validate(int argc, char **argv)
{
	struct idxd_config *cfg;
	unsigned int n[3];
	const char *path;
	int ret;

	path = one_file(argc, argv, NULL, validate_usage, &ret);
	if (!path)
		return ret;
	ret = load("sva config validate", path, &cfg);
	if (ret)
		return ret;
	sva_note_unmodelled("sva config validate", path, cfg);
	count(cfg, n);
	printf("%s: ok (%u %s, %u %s, %u %s, %u %s)\n", path,
	       cfg->nr_devices, plural(cfg->nr_devices, "device", "devices"),
	       n[0], plural(n[0], "group", "groups"), n[1], plural(n[1], "WQ", "WQs"),
	       n[2], plural(n[2], "engine", "engines"));
	idxd_config_free(cfg);
	return SVA_EXIT_OK;
}

static void show_wq(const struct idxd_cfg_device *dev, const struct idxd_cfg_wq *wq)
{
	char thr[16];

	if (wq->mode == IDXD_CFG_WQ_SHARED)
		snprintf(thr, sizeof(thr), "%u", wq->threshold);
	else
		snprintf(thr, sizeof(thr), "-");
	printf("    wq%d.%-4d %-9s %4u %4u %5s  %-6s %-3s %-9s %s%s\n", dev->id, wq->id,
	       idxd_cfg_wq_mode_name(wq->mode), wq->size, wq->priority, thr,
	       idxd_cfg_wq_type_name(wq->type), wq->block_on_fault ? "yes" : "no",
	       idxd_cfg_wq_enabled(wq) ? "enabled" : idxd_cfg_wq_state_name(
			wq->state == IDXD_CFG_WQS_ENABLED ? IDXD_CFG_WQS_DISABLED : wq->state),
	       wq->name[0] ? wq->name : "(no name)",
	       wq->max_batch_size != IDXD_WQ_DEFAULT_MAX_BATCH ||
	       wq->max_transfer_size != IDXD_WQ_DEFAULT_MAX_XFER ? " *" : "");
}

static void show_engines(const struct idxd_cfg_device *dev, int gid)
{
	bool any = false;

	for (unsigned int i = 0; i < dev->nr_engines; i++) {
		if (dev->engines[i].group_id != gid)
			continue;
		printf("%s engine%d.%d", any ? "," : "    engines:", dev->id, dev->engines[i].id);
		any = true;
	}
	printf("%s\n", any ? "" : "    engines: none");
}

static bool show_wqs(const struct idxd_cfg_device *dev, int gid)
{
	bool any = false;

	for (unsigned int i = 0; i < dev->nr_wqs; i++) {
		if (dev->wqs[i].group_id != gid)
			continue;
		if (!any)
			printf("    %-9s %-9s %4s %4s %5s  %-6s %-3s %-9s %s\n", "WQ", "mode",
			       "size", "prio", "thr", "type", "bof", "state", "name");
		show_wq(dev, &dev->wqs[i]);
		any = true;
	}
	return any;
}

static void show_limits(const struct idxd_cfg_device *dev)
{
	for (unsigned int i = 0; i < dev->nr_wqs; i++) {
		const struct idxd_cfg_wq *wq = &dev->wqs[i];

		if (wq->max_batch_size == IDXD_WQ_DEFAULT_MAX_BATCH &&
		    wq->max_transfer_size == IDXD_WQ_DEFAULT_MAX_XFER)
			continue;
		printf("  * wq%d.%d: max_batch_size %" PRIu32 ", max_transfer_size %" PRIu64 "\n",
		       dev->id, wq->id, wq->max_batch_size, wq->max_transfer_size);
	}
}

static bool ungrouped(const struct idxd_cfg_device *dev)
{
	for (unsigned int i = 0; i < dev->nr_wqs; i++)
		if (dev->wqs[i].group_id < 0)
			return true;
	for (unsigned int i = 0; i < dev->nr_engines; i++)
		if (dev->engines[i].group_id < 0)
			return true;
	return false;
}

static void show_device(const struct idxd_config *cfg, const struct idxd_cfg_device *dev)
{
	unsigned int total = 0;

	for (unsigned int i = 0; i < dev->nr_wqs; i++)
		total += dev->wqs[i].size;
	printf("%s%d%s: %u %s, %u %s, %u %s; WQ entries %u of %u; read_buffer_limit %u\n",
	       idxd_cfg_dev_prefix(dev), dev->id, dev->iaa ? " (IAA device, not modelled)" : "", dev->nr_groups, plural(dev->nr_groups, "group", "groups"),
	       dev->nr_wqs, plural(dev->nr_wqs, "WQ", "WQs"),
	       dev->nr_engines, plural(dev->nr_engines, "engine", "engines"),
	       total, cfg->caps.max_wq_size, dev->read_buffer_limit);
	for (unsigned int i = 0; i < dev->nr_groups; i++) {
		const struct idxd_cfg_group *g = &dev->groups[i];

		printf("  group%d.%d  read buffers: reserved %u, allowed %u%s\n", dev->id, g->id,
		       g->read_buffers_reserved, g->read_buffers_allowed,
		       g->use_read_buffer_limit ? ", limited" : "");
		if (!show_wqs(dev, g->id))
			printf("    WQs: none\n");
		show_engines(dev, g->id);
	}
	if (ungrouped(dev)) {
		printf("  ungrouped\n");
		show_wqs(dev, -1);
		show_engines(dev, -1);
	}
	show_limits(dev);
}

static int cmd_show(int argc, char **argv)
{
	struct idxd_config *cfg;
	bool json = false;
	const char *path;
	int ret;

	path = one_file(argc, argv, &json, show_usage, &ret);
	if (!path)
		return ret;
	ret = load("sva config show", path, &cfg);
	if (ret)
		return ret;
	if (json) {
		char *s = idxd_config_to_json(cfg);

		if (!s) {
			fprintf(stderr, "sva config show: out of memory\n");
			idxd_config_free(cfg);
			return SVA_EXIT_FAIL;
		}
		printf("%s\n", s);
		free(s);
	} else {
		for (unsigned int i = 0; i < cfg->nr_devices; i++)
			show_device(cfg, &cfg->devices[i]);
		for (unsigned int i = 0; i < cfg->nr_unmodelled; i++)
			printf("not modelled (kept): %s\n", cfg->unmodelled[i]);
		if (cfg->unmodelled_dropped)
			printf("not modelled (kept): %u more not shown\n", cfg->unmodelled_dropped);
		for (unsigned int i = 0; i < cfg->nr_notes; i++)
			printf("note: %s\n", cfg->notes[i]);
		if (cfg->notes_dropped)
			printf("note: %u more notes not shown\n", cfg->notes_dropped);
	}
	idxd_config_free(cfg);
	return SVA_EXIT_OK;
}

int sva_cmd_config(int argc, char **argv)
{
	if (argc < 2) {
		config_usage(stderr);
		return SVA_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		config_usage(stdout);
		return SVA_EXIT_OK;
	}
	if (!strcmp(argv[1], "validate"))
		return cmd_validate(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1);
	fprintf(stderr, "sva config: '%s' is not a subcommand; see 'sva config --help'\n", argv[1]);
	return SVA_EXIT_USAGE;
}
