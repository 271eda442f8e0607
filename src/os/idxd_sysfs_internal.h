/* SPDX-License-Identifier: MIT */
/* Shared between the idxd_sysfs*.c files; not an interface. */
#ifndef SVA_OS_IDXD_SYSFS_INTERNAL_H
#define SVA_OS_IDXD_SYSFS_INTERNAL_H

#include "os/idxd_sysfs.h"

#define IDXD_SYSFS_ENQCMDS_RETRIES	32	/* the driver's default */
#define IDXD_SYSFS_ENQCMDS_MAX		64	/* a larger write is clamped */
#define IDXD_SYSFS_MAX_PRIORITY		15

enum attr_vis { V_ALWAYS, V_ATS, V_PRS, V_OPCFG, V_EVL, V_PL };

enum attr_id {
	ATTR_DEVICE_version, ATTR_DEVICE_max_groups, ATTR_DEVICE_max_work_queues,
	ATTR_DEVICE_max_work_queues_size, ATTR_DEVICE_max_engines, ATTR_DEVICE_numa_node,
	ATTR_DEVICE_max_batch_size, ATTR_DEVICE_max_transfer_size, ATTR_DEVICE_op_cap,
	ATTR_DEVICE_gen_cap, ATTR_DEVICE_configurable, ATTR_DEVICE_clients,
	ATTR_DEVICE_pasid_enabled, ATTR_DEVICE_state, ATTR_DEVICE_errors,
	ATTR_DEVICE_max_tokens, ATTR_DEVICE_max_read_buffers, ATTR_DEVICE_token_limit,
	ATTR_DEVICE_read_buffer_limit, ATTR_DEVICE_cdev_major, ATTR_DEVICE_cmd_status,
	ATTR_DEVICE_event_log_size, ATTR_DEVICE_ims_size,
	ATTR_WQ_clients, ATTR_WQ_state, ATTR_WQ_group_id, ATTR_WQ_mode, ATTR_WQ_size,
	ATTR_WQ_priority, ATTR_WQ_block_on_fault, ATTR_WQ_threshold, ATTR_WQ_type,
	ATTR_WQ_name, ATTR_WQ_driver_name, ATTR_WQ_cdev_minor, ATTR_WQ_max_transfer_size,
	ATTR_WQ_max_batch_size, ATTR_WQ_ats_disable, ATTR_WQ_prs_disable, ATTR_WQ_occupancy,
	ATTR_WQ_enqcmds_retries, ATTR_WQ_op_config,
	ATTR_GROUP_work_queues, ATTR_GROUP_engines, ATTR_GROUP_use_token_limit,
	ATTR_GROUP_use_read_buffer_limit, ATTR_GROUP_tokens_allowed,
	ATTR_GROUP_read_buffers_allowed, ATTR_GROUP_tokens_reserved,
	ATTR_GROUP_read_buffers_reserved, ATTR_GROUP_traffic_class_a,
	ATTR_GROUP_traffic_class_b, ATTR_GROUP_desc_progress_limit,
	ATTR_GROUP_batch_progress_limit,
	ATTR_ENGINE_group_id,
};

struct idxd_sysfs_attr_def {
	enum idxd_sysfs_kind kind;
	const char *name;
	unsigned int mode;
	enum attr_vis vis;
	enum attr_id id;
};

extern const struct idxd_sysfs_attr_def idxd_sysfs_attrs[];
extern const size_t idxd_sysfs_nr_attrs;

/* The visible attribute @name of objects of @kind, or NULL. */
const struct idxd_sysfs_attr_def *idxd_sysfs_attr_find(const struct idxd_sysfs *s,
							enum idxd_sysfs_kind kind,
							const char *name);

/* Index of device dsa@id in s->devs, or -1. */
int idxd_sysfs_dev_index(const struct idxd_sysfs *s, unsigned int id);

/* As the driver's probe leaves them. */
void idxd_sysfs_dev_reset(struct idxd_sysfs_dev *d, const struct idxd_caps *c);
void idxd_sysfs_wq_reset(struct idxd_sysfs_wq *wq);

/* Bind @wq to the driver its type asks for and give a user WQ its char device. */
void idxd_sysfs_wq_start(struct idxd_sysfs *s, struct idxd_sysfs_dev *d, struct idxd_sysfs_wq *wq);

uint32_t idxd_sysfs_version(const struct idxd_caps *c);
uint64_t idxd_sysfs_gen_cap(const struct idxd_caps *c);
void idxd_sysfs_op_cap(const struct idxd_caps *c, uint32_t w[8]);

#endif
