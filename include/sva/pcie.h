/* SPDX-License-Identifier: MIT */
/*
 * sva/pcie.h - the PCIe path from a root port down to one endpoint, and
 * Deferrable Memory Writes (DMWr) along it.
 *
 * An enqueue store (ENQCMD, ENQCMDS) leaves the root complex as a DMWr: a
 * non-posted memory write the completer answers Successful Completion
 * (accepted) or Memory Request Retry Status (not accepted, try again).  It
 * reaches the device only if the root port is enabled to issue DMWr, every
 * switch port on the way can route it and does not block it on egress,
 * and the device can complete it; otherwise a port, or the device, answers
 * Unsupported Request.  MOVDIR64B is an ordinary posted write and needs
 * none of this.  Register bits: PCIe 6.x, restated with their sources and
 * confidence in docs/dev/verified-facts.md section 11; docs/machine.md.
 */
#ifndef SVA_PCIE_H
#define SVA_PCIE_H

#include <sva/api.h>

#include <stdbool.h>
#include <stdint.h>

SVA_API_BEGIN

/* Device Capabilities 2 (PCIe capability + 0x24) */
#define SVA_PCI_DEVCAP2_DMWR_COMP	(1u << 28)	/* DMWr Completer Supported */
#define SVA_PCI_DEVCAP2_DMWR_LEN	(3u << 29)	/* DMWr Lengths Supported */
#define SVA_PCI_DEVCAP2_DMWR_LEN_64B	(1u << 29)	/* up to 64 bytes */
/* Device 3 extended capability (ID 0x2f): Device Capabilities 3 (+0x04), Device Control 3 (+0x08) */
#define SVA_PCI_EXT_CAP_ID_DEV3		0x2f
#define SVA_PCI_DEVCAP3_DMWR_ROUTE	(1u << 0)	/* DMWr Request Routing Supported */
#define SVA_PCI_DEVCTL3_DMWR_REQ	(1u << 0)	/* DMWr Requester Enable */
#define SVA_PCI_DEVCTL3_DMWR_EGRESS_BLK	(1u << 1)	/* DMWr Egress Blocking */

#define SVA_PCIE_MAX_SWITCHES	4
/* root port, then an upstream and a downstream port per switch, then the endpoint */
#define SVA_PCIE_MAX_PORTS	(2 + 2 * SVA_PCIE_MAX_SWITCHES)

enum sva_pcie_port_type {
	SVA_PCIE_ROOT_PORT,
	SVA_PCIE_SWITCH_UP,
	SVA_PCIE_SWITCH_DOWN,
	SVA_PCIE_ENDPOINT,
};

/*
 * The topology, as a user builds it.  All zero is the default: the device
 * right below a root port that supports DMWr, and no switch.
 */
struct sva_pcie_path_config {
	bool root_no_dmwr;		/* the root port cannot route DMWr */
	unsigned nr_switches;		/* 0..SVA_PCIE_MAX_SWITCHES, root side first */
	bool switch_no_dmwr[SVA_PCIE_MAX_SWITCHES];	/* both ports of switch i cannot route DMWr */
};

/* One function on the path: the config-space bits that matter here. */
struct sva_pcie_port {
	enum sva_pcie_port_type type;
	char name[16];			/* "rp", "sw0.up", "sw0.dp", "ep" */
	uint32_t devcap2, devcap3;	/* read-only capabilities */
	uint32_t devctl3;		/* written by the OS */
	uint64_t ur;			/* Unsupported Requests this function answered */
};

struct sva_pcie_path {
	unsigned nr;			/* ports[0] is the root port, ports[nr - 1] the endpoint */
	struct sva_pcie_port ports[SVA_PCIE_MAX_PORTS];
	uint64_t dmwr_sent, dmwr_ur;	/* DMWr requests issued at the root port, answered UR */
};

/*
 * Build the path for an endpoint whose DMWr completer support is
 * @ep_completer.  Control registers start at reset (all zero: the root
 * port may not issue DMWr until the OS enables it).  -EINVAL for too many
 * switches.
 */
int sva_pcie_path_init(struct sva_pcie_path *p, const struct sva_pcie_path_config *cfg,
		       bool ep_completer);

/*
 * Send one DMWr from the root port towards the endpoint.  Returns NULL
 * when it reaches the endpoint (which then answers SC or MRS itself), or
 * the function that answers Unsupported Request instead - that function's
 * `ur` and the path's `dmwr_ur` are counted.
 */
const struct sva_pcie_port *sva_pcie_dmwr_route(struct sva_pcie_path *p);

/*
 * For the OS: the first function that keeps DMWr from working on this path
 * (root port or switch port without routing, endpoint without completer
 * support, a port that blocks DMWr egress), or NULL when all are capable.
 */
const struct sva_pcie_port *sva_pcie_dmwr_obstacle(const struct sva_pcie_path *p);

SVA_API_END
#endif /* SVA_PCIE_H */
