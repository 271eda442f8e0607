// SPDX-License-Identifier: MIT
/*
 * DMWr enabling.  The seed and Linux's Documentation/arch/x86/sva.rst say
 * a shared work queue needs DMWr completer support on the device, DMWr
 * routing on every switch port, and enabling by the PCIe subsystem "much
 * like PCIe atomic operations"; the Linux sources we read have no DMWr
 * code yet, so this follows pci_enable_atomic_ops_to_root()'s shape.
 */
#include <errno.h>
#include <stddef.h>

#include "os/pci.h"

int sva_pci_enable_dmwr(struct sva_pcie_path *path, const struct sva_pcie_port **obstacle)
{
	const struct sva_pcie_port *stop = sva_pcie_dmwr_obstacle(path);

	if (obstacle)
		*obstacle = stop;
	if (stop)
		return -EOPNOTSUPP;
	/* The root complex issues enqueue stores on the CPU's behalf: its port is the requester. */
	path->ports[0].devctl3 |= SVA_PCI_DEVCTL3_DMWR_REQ;
	return 0;
}
