// SPDX-License-Identifier: MIT
/* Naming an mm by its owner, for the journal (os/mm.h). */
#include <stdio.h>

#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"

const char *sva_mm_owner(struct sva_mm *mm, char *buf, size_t len)
{
	/* One process per mm (no CLONE_VM between processes): the one that has it owns it. */
	for (const struct sva_proc *p = mm->k->procs; p; p = p->next)
		if (p->mm == mm) {
			mm->owner_pid = p->pid;
			snprintf(mm->owner_comm, sizeof(mm->owner_comm), "%s", p->name);
			break;
		}
	if (mm->owner_pid)
		snprintf(buf, len, "mm of pid %d (%s)", mm->owner_pid, mm->owner_comm);
	else
		snprintf(buf, len, "mm %llu", (unsigned long long)mm->id);
	return buf;
}
