// SPDX-License-Identifier: MIT
/*
 * The PCIe path from a root port to one endpoint, as far as Deferrable
 * Memory Writes care (docs/dev/verified-facts.md section 11).
 *
 * A DMWr leaves through the root port - which may issue it only when the
 * OS has set DMWr Requester Enable - then crosses each switch, in at the
 * upstream port and out at the downstream port, and ends at the
 * endpoint.  A function that cannot route it (DMWr Request Routing
 * Supported clear), an egress port that blocks it (DMWr Egress Blocking
 * set) and an endpoint that cannot complete it (DMWr Completer Supported
 * clear) answer Unsupported Request.  Which function answers for a
 * root port whose requester enable is clear is not in any source we read:
 * we let the root port answer UR itself, so nothing leaves the root
 * complex (unverified).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sva/pcie.h>

static void add(struct sva_pcie_path *p, enum sva_pcie_port_type type, const char *name,
		uint32_t devcap2, uint32_t devcap3)
{
	struct sva_pcie_port *port = &p->ports[p->nr++];

	*port = (struct sva_pcie_port){ .type = type, .devcap2 = devcap2, .devcap3 = devcap3 };
	snprintf(port->name, sizeof(port->name), "%s", name);
}

int sva_pcie_path_init(struct sva_pcie_path *p, const struct sva_pcie_path_config *cfg,
		       bool ep_completer)
{
	static const struct sva_pcie_path_config def;
	char n[16];

	if (!cfg)
		cfg = &def;
	if (cfg->nr_switches > SVA_PCIE_MAX_SWITCHES)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	add(p, SVA_PCIE_ROOT_PORT, "rp", 0, cfg->root_no_dmwr ? 0 : SVA_PCI_DEVCAP3_DMWR_ROUTE);
	for (unsigned i = 0; i < cfg->nr_switches; i++) {
		uint32_t route = cfg->switch_no_dmwr[i] ? 0 : SVA_PCI_DEVCAP3_DMWR_ROUTE;

		snprintf(n, sizeof(n), "sw%u.up", i);
		add(p, SVA_PCIE_SWITCH_UP, n, 0, route);
		snprintf(n, sizeof(n), "sw%u.dp", i);
		add(p, SVA_PCIE_SWITCH_DOWN, n, 0, route);
	}
	/* A DSA portal takes 64-byte enqueue stores: lengths up to 64 bytes. */
	add(p, SVA_PCIE_ENDPOINT, "ep",
	    ep_completer ? SVA_PCI_DEVCAP2_DMWR_COMP | SVA_PCI_DEVCAP2_DMWR_LEN_64B : 0, 0);
	return 0;
}

/* Would @port stop a DMWr going down through it?  (The endpoint only completes.) */
static bool port_stops(const struct sva_pcie_port *port)
{
	if (port->type == SVA_PCIE_ENDPOINT)
		return !(port->devcap2 & SVA_PCI_DEVCAP2_DMWR_COMP);
	if (!(port->devcap3 & SVA_PCI_DEVCAP3_DMWR_ROUTE))
		return true;
	/* Egress towards the endpoint is out of the root port and the downstream ports. */
	return port->type != SVA_PCIE_SWITCH_UP && (port->devctl3 & SVA_PCI_DEVCTL3_DMWR_EGRESS_BLK);
}

/* Index of the first function on the path that stops a DMWr, or -1. */
static int first_stop(const struct sva_pcie_path *p)
{
	for (unsigned i = 0; i < p->nr; i++)
		if (port_stops(&p->ports[i]))
			return (int)i;
	return -1;
}

const struct sva_pcie_port *sva_pcie_dmwr_route(struct sva_pcie_path *p)
{
	/* A root port the OS has not enabled as requester sends nothing. */
	int i = p->ports[0].devctl3 & SVA_PCI_DEVCTL3_DMWR_REQ ? first_stop(p) : 0;

	p->dmwr_sent++;
	if (i < 0)
		return NULL;
	p->ports[i].ur++;
	p->dmwr_ur++;
	return &p->ports[i];
}

const struct sva_pcie_port *sva_pcie_dmwr_obstacle(const struct sva_pcie_path *p)
{
	int i = first_stop(p);

	return i < 0 ? NULL : &p->ports[i];
}
