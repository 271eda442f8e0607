/* SPDX-License-Identifier: MIT */
/*
 * The PCI core's part in enqueue stores: enabling Deferrable Memory
 * Writes on the path from the root port to a device, the way Linux's
 * pci_enable_atomic_ops_to_root() enables AtomicOps (check every port on
 * the way, then let the requester send).
 */
#ifndef SVA_OS_PCI_H
#define SVA_OS_PCI_H

#include <sva/pcie.h>

/*
 * Set DMWr Requester Enable on the root port when every function down to
 * the device can carry a DMWr (routing on the root port and both ports
 * of each switch, no egress blocking, completer support on the device).
 * Otherwise change nothing and return -EOPNOTSUPP with *@obstacle the
 * first function in the way.  0 on success.
 */
int sva_pci_enable_dmwr(struct sva_pcie_path *path, const struct sva_pcie_port **obstacle);

#endif
