/* SPDX-License-Identifier: MIT */
/*
 * DSA configuration in accel-config's JSON format (issue 7, part 1).
 *
 * A configuration is what `accel-config save-config` writes and
 * `accel-config load-config` reads: an array of devices, each with groups
 * that hold WQs ("grouped_workqueues") and engines ("grouped_engines").
 * Parsing yields a plain C structure with every attribute resolved to the
 * value the kernel would hold after the file was applied (defaults filled
 * in, max_batch_size/max_transfer_size rounded up to a power of two), and
 * validation applies the rules the idxd driver and the device enforce, so
 * a file the real stack would refuse is refused here with one message.
 *
 * Parsing is all or nothing: either a complete, validated configuration
 * comes back or nothing does, never a half-applied one.
 *
 * The format, every key, every default and every error message are
 * documented in docs/configuration.md.
 */
#ifndef SVA_OS_IDXD_CONFIG_H
#define SVA_OS_IDXD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Upper bounds of the C structure; struct idxd_caps gives the real limits. */
#define IDXD_CFG_MAX_DEVICES	16
#define IDXD_CFG_MAX_WQS	64
#define IDXD_CFG_MAX_GROUPS	16
#define IDXD_CFG_MAX_ENGINES	16
#define IDXD_CFG_MAX_NOTES	32
#define IDXD_CFG_NOTE_LEN	160

/* Kernel limits (drivers/dma/idxd/idxd.h). */
#define IDXD_WQ_NAME_MAX	1024	/* WQ_NAME_SIZE */
#define IDXD_DRIVER_NAME_MAX	128	/* DRIVER_NAME_SIZE */

/* Kernel defaults for a WQ attribute the file does not give. */
#define IDXD_WQ_DEFAULT_MAX_BATCH	32u
#define IDXD_WQ_DEFAULT_MAX_XFER	(2u << 20)

/* Size of the error buffer callers should pass. */
#define IDXD_CFG_ERR_LEN	512

/*
 * What the device and the platform offer: the registers the driver reads
 * at probe (WQCAP, GRPCAP, ENGCAP, GENCAP) plus whether SVA is enabled.
 */
struct idxd_caps {
	unsigned int max_wqs;		/* WQCAP: number of WQs */
	unsigned int max_wq_size;	/* WQCAP 15:0: entries shared by all WQs */
	unsigned int max_groups;	/* GRPCAP */
	unsigned int max_engines;	/* ENGCAP */
	unsigned int max_read_buffers;	/* GRPCAP: total read buffers */
	uint32_t max_batch_size;	/* GENCAP 24:21 */
	uint64_t max_transfer_size;	/* GENCAP 20:16 */
	unsigned int min_priority, max_priority;
	bool shared_mode;		/* WQCAP: shared WQs supported */
	bool dedicated_mode;		/* WQCAP: dedicated WQs supported */
	bool pasid;			/* PASID enabled: SVA, shared and user WQs */
	bool block_on_fault;		/* GENCAP bit 0 */
	bool read_buffer_limit;		/* GRPCAP: read buffer limit supported */
	bool wq_ats_disable;		/* WQCAP: per-WQ ATS disable */
	bool wq_prs_disable;		/* WQCAP: per-WQ PRS disable (DSA 2.0) */
	bool op_config;			/* WQCAP: per-WQ operation config (DSA 2.0) */
	bool progress_limit;		/* GRPCAP: progress limits (DSA 2.0) */
	bool event_log;			/* GENCAP: event log (DSA 2.0) */
};

/* A Sapphire Rapids DSA 1.0 (docs/dev/verified-facts.md section 3.1). */
struct idxd_caps idxd_caps_default(void);

enum idxd_cfg_wq_mode {
	IDXD_CFG_WQ_DEDICATED = 0,
	IDXD_CFG_WQ_SHARED,
};

enum idxd_cfg_wq_type {
	IDXD_CFG_WQT_NONE = 0,
	IDXD_CFG_WQT_KERNEL,
	IDXD_CFG_WQT_USER,
	IDXD_CFG_WQT_MDEV,	/* older kernels: guest pass-through; not modelled */
};

/* The WQ "state" key `accel-config list` writes; save-config omits it. */
enum idxd_cfg_wq_state {
	IDXD_CFG_WQS_ENABLED = 0,
	IDXD_CFG_WQS_DISABLED,
	IDXD_CFG_WQS_QUIESCING,
	IDXD_CFG_WQS_LOCKED,
	IDXD_CFG_WQS_UNKNOWN,
};

struct idxd_cfg_wq {
	int id;				/* Q of "wqD.Q" */
	int group_id;			/* -1: ungrouped */
	enum idxd_cfg_wq_mode mode;
	unsigned int size;
	unsigned int priority;
	bool block_on_fault;
	unsigned int threshold;		/* 0 for dedicated WQs */
	uint32_t max_batch_size;	/* power of two */
	uint64_t max_transfer_size;	/* power of two, bytes */
	enum idxd_cfg_wq_type type;
	char *name;			/* never NULL after parsing */
	char *driver_name;		/* never NULL; defaulted from the type */
	bool ats_disable;
	bool prs_disable;
	bool has_op_config;
	uint32_t op_config[8];		/* word 0 = bits 31:0 */
	int cdev_minor;			/* -1 when not given */
	enum idxd_cfg_wq_state state;
};

struct idxd_cfg_group {
	int id;
	unsigned int read_buffers_reserved;
	bool use_read_buffer_limit;
	unsigned int read_buffers_allowed;
	int traffic_class_a, traffic_class_b;	/* -1: device default */
	int desc_progress_limit;		/* -1: not given */
	int batch_progress_limit;		/* -1: not given */
};

struct idxd_cfg_engine {
	int id;
	int group_id;			/* -1: ungrouped */
};

struct idxd_cfg_device {
	int id;				/* N of "dsaN" (or "iaxN": one number space) */
	bool iaa;			/* an IAA device ("iaxN"): kept and shown, not modelled */
	unsigned int read_buffer_limit;
	int event_log_size;		/* -1: not given */
	unsigned int nr_groups, nr_wqs, nr_engines;
	struct idxd_cfg_group groups[IDXD_CFG_MAX_GROUPS];	/* file order */
	struct idxd_cfg_wq wqs[IDXD_CFG_MAX_WQS];
	struct idxd_cfg_engine engines[IDXD_CFG_MAX_ENGINES];
};

struct idxd_config {
	struct idxd_caps caps;		/* what it was validated against */
	unsigned int nr_devices;
	struct idxd_cfg_device devices[IDXD_CFG_MAX_DEVICES];
	/* Things worth telling the user: unknown keys, values the kernel rounds. */
	unsigned int nr_notes, notes_dropped;
	char notes[IDXD_CFG_MAX_NOTES][IDXD_CFG_NOTE_LEN];
	/*
	 * What the file configures and sva does not model (IAA devices, DSA 2.0
	 * attributes on the DSA 1.0 model): kept, written back, shown, refused
	 * only when used.  One line each, for `config show` and a note on stderr.
	 */
	unsigned int nr_unmodelled, unmodelled_dropped;
	char unmodelled[IDXD_CFG_MAX_NOTES][IDXD_CFG_NOTE_LEN];
};

/*
 * Parse and validate.  On success *out is a new configuration (free it with
 * idxd_config_free) and 0 is returned.  On failure *out is NULL, a negative
 * errno comes back (-EINVAL bad content, -ERANGE out-of-range number,
 * -EOPNOTSUPP the device lacks a feature, -ENOENT/-EIO file problems,
 * -ENOMEM) and @err holds one line naming the object, the field and the
 * reason.  @caps NULL means idxd_caps_default().
 */
int idxd_config_parse_string(const char *json, const struct idxd_caps *caps,
			     struct idxd_config **out, char *err, size_t errlen);
int idxd_config_load_file(const char *path, const struct idxd_caps *caps,
			  struct idxd_config **out, char *err, size_t errlen);
void idxd_config_free(struct idxd_config *cfg);

/* Re-check a configuration built or edited in C; same errors as parsing. */
int idxd_config_validate(const struct idxd_config *cfg, char *err, size_t errlen);

/*
 * The default configuration (docs/configuration.md, "The default"): one
 * DSA, dsa0;
 *   group 0: wq0.0 shared,    16 entries, threshold 15, priority 10, BOF on,
 *            user, name "app";            engines 0 and 1
 *   group 1: wq0.1 dedicated,  8 entries,               priority 10, BOF off,
 *            user, name "app_dedicated";  engines 2 and 3
 * Returns NULL only when out of memory.
 */
struct idxd_config *idxd_config_default(void);

/* accel-config save-config JSON (2-space pretty print); malloc'd, NULL on ENOMEM. */
char *idxd_config_to_json(const struct idxd_config *cfg);

/* Same attribute values (notes and caps are not compared). */
bool idxd_config_equal(const struct idxd_config *a, const struct idxd_config *b);

/* Lookups; NULL when absent. */
const struct idxd_cfg_wq *idxd_cfg_find_wq(const struct idxd_cfg_device *dev, int id);
const struct idxd_cfg_group *idxd_cfg_find_group(const struct idxd_cfg_device *dev, int id);

/* True when the WQ would be enabled: state enabled and a driver can bind. */
bool idxd_cfg_wq_enabled(const struct idxd_cfg_wq *wq);

/* "dsa" or "iax": the prefix of the device's names. */
const char *idxd_cfg_dev_prefix(const struct idxd_cfg_device *dev);
/* The device whose number is @id, or NULL. */
const struct idxd_cfg_device *idxd_cfg_find_device(const struct idxd_config *cfg, int id);

const char *idxd_cfg_wq_mode_name(enum idxd_cfg_wq_mode m);
const char *idxd_cfg_wq_type_name(enum idxd_cfg_wq_type t);
const char *idxd_cfg_wq_state_name(enum idxd_cfg_wq_state s);

#endif
