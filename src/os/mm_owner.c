// SPDX-License-Identifier: MIT
/* Naming an mm by its owner, for the journal (os/mm.h). */
#include <stdio.h>

#include "os/kernel.h"
#include "os/mm.h"
#include "os/proc.h"

void sva_mm_set_owner(struct sva_mm *mm, struct sva_proc *p)
{
	mm->owner = p;
}

void sva_mm_disown(struct sva_mm *mm)
{
	if (!mm->owner)
		return;
	mm->owner_pid = mm->owner->pid;
	snprintf(mm->owner_comm, sizeof(mm->owner_comm), "%s", mm->owner->name);
	mm->owner = NULL;
}

const char *sva_mm_owner(struct sva_mm *mm, char *buf, size_t len)
{
	if (mm->owner)
		snprintf(buf, len, "mm of pid %d (%s)", mm->owner->pid, mm->owner->name);
	else if (mm->owner_pid)
		snprintf(buf, len, "mm of pid %d (%s)", mm->owner_pid, mm->owner_comm);
	else
		snprintf(buf, len, "mm %llu", (unsigned long long)mm->id);
	return buf;
}
