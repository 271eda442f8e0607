/* SPDX-License-Identifier: MIT */
/* Shared between the idxd_config*.c files; not an interface. */
#ifndef SVA_OS_IDXD_CONFIG_INTERNAL_H
#define SVA_OS_IDXD_CONFIG_INTERNAL_H

#include "os/idxd_config.h"

/* A zeroed configuration for @caps (NULL: the default caps). */
struct idxd_config *idxd_cfg_alloc(const struct idxd_caps *caps);

/* Kernel defaults for an object the file names but does not describe fully. */
void idxd_cfg_wq_init(struct idxd_cfg_wq *wq, int id, int group_id);
void idxd_cfg_group_init(struct idxd_cfg_group *g, int id, const struct idxd_caps *caps);

/* Remember something for `sva config show`; extra notes are counted, not kept. */
void idxd_cfg_note(struct idxd_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Remember something kept but not modelled (struct idxd_config's unmodelled). */
void idxd_cfg_unmodelled(struct idxd_config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
