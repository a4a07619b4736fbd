// SPDX-License-Identifier: MIT
#include "elfgen.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *elfgen_build(const struct elfgen *g, size_t *len)
{
	size_t phnum = g->nseg + (g->pvh_note ? 1 : 0);
	size_t off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
	uint32_t descsz = g->note_descsz ? g->note_descsz : 4;
	size_t note_len = 12 + 4 + descsz, total = off + note_len;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	uint8_t *buf;

	for (unsigned int i = 0; i < g->nseg; i++)
		total += g->seg[i].filesz;
	buf = calloc(1, total);
	if (!buf)
		return NULL;
	eh = (Elf64_Ehdr *)buf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = g->entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (uint16_t)phnum;
	ph = (Elf64_Phdr *)(buf + sizeof(*eh));
	if (g->pvh_note) {
		uint32_t hdr[3] = { 4, descsz, 18 };
		uint64_t entry = g->entry;

		memcpy(buf + off, hdr, sizeof(hdr));
		memcpy(buf + off + 12, "Xen", 4);
		memcpy(buf + off + 16, &entry, descsz);
		*ph++ = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = off,
				      .p_filesz = note_len, .p_align = 4 };
	}
	off += note_len;
	for (unsigned int i = 0; i < g->nseg; i++, ph++) {
		*ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
				    .p_offset = off, .p_vaddr = g->seg[i].paddr,
				    .p_paddr = g->seg[i].paddr,
				    .p_filesz = g->seg[i].filesz,
				    .p_memsz = g->seg[i].memsz, .p_align = 4096 };
		memset(buf + off, 0xcc, g->seg[i].filesz);
		off += g->seg[i].filesz;
	}
	*len = total;
	return buf;
}

int elfgen_write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ret = 0;

	if (!f)
		return -1;
	if (fwrite(buf, 1, len, f) != len)
		ret = -1;
	if (fclose(f))
		ret = -1;
	return ret;
}
