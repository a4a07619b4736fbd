// SPDX-License-Identifier: MIT
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../lib/files.h"
#include "../../lib/util.h"
#include "layout.h"
#include "pvh.h"

static int fail(char *err, size_t len, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return code;
}

static int read_all(int fd, uint8_t **buf, size_t *len, char *err,
		    size_t errlen)
{
	struct stat st;
	uint8_t *b;
	size_t got = 0;

	if (fstat(fd, &st))
		return fail(err, errlen, -errno, "cannot stat: %s",
			    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, errlen, -EINVAL, "not a regular file");
	if (st.st_size == 0)
		return fail(err, errlen, -EINVAL, "empty file");
	if ((uint64_t)st.st_size > KERNEL_MAX_FILE)
		return fail(err, errlen, -EFBIG, "larger than 512 MiB");
	b = malloc((size_t)st.st_size);
	if (!b)
		return fail(err, errlen, -ENOMEM, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);

		if (n <= 0) {
			free(b);
			return fail(err, errlen, -EIO, "read failed: %s",
				    n ? strerror(errno) : "short file");
		}
		got += (size_t)n;
	}
	*buf = b;
	*len = got;
	return 0;
}

/* Inflate gzip data, refusing output beyond KERNEL_MAX_FILE. */
static int gunzip(const uint8_t *in, size_t inlen, uint8_t **out,
		  size_t *outlen, char *err, size_t errlen)
{
	z_stream zs = { .next_in = (Bytef *)in, .avail_in = (uInt)inlen };
	size_t cap = inlen * 4 > (1 << 20) ? inlen * 4 : (1 << 20);
	uint8_t *b = NULL;
	int zr = Z_OK;

	if (inlen > UINT32_MAX || inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return fail(err, errlen, -EINVAL, "cannot start gzip decoder");
	while (zr == Z_OK) {
		uint8_t *nb;

		if (cap > KERNEL_MAX_FILE)
			cap = KERNEL_MAX_FILE;
		nb = realloc(b, cap);
		if (!nb) {
			zr = Z_MEM_ERROR;
			break;
		}
		b = nb;
		zs.next_out = b + zs.total_out;
		zs.avail_out = (uInt)(cap - zs.total_out);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr == Z_OK && zs.avail_out == 0) {
			if (cap == KERNEL_MAX_FILE) {
				zr = Z_BUF_ERROR;
				break;
			}
			cap *= 2;
		} else if (zr == Z_OK || zr == Z_BUF_ERROR) {
			/* Input ended before the stream did. */
			zr = Z_DATA_ERROR;
		}
	}
	*outlen = zs.total_out;
	inflateEnd(&zs);
	/* Bytes after the stream were meant for something: not a kernel. */
	if (zr == Z_STREAM_END && zs.avail_in) {
		free(b);
		return fail(err, errlen, -EINVAL,
			    "%u bytes of trailing data after the gzip stream",
			    zs.avail_in);
	}
	if (zr != Z_STREAM_END) {
		free(b);
		if (zr == Z_BUF_ERROR)
			return fail(err, errlen, -EFBIG,
				    "decompresses to more than 512 MiB");
		return fail(err, errlen, -EINVAL, "corrupt or truncated gzip data");
	}
	*out = b;
	return 0;
}

int kernel_read_file(const char *path, uint8_t **buf, size_t *len,
		     char *err, size_t errlen)
{
	uint8_t *raw = NULL, *plain = NULL;
	size_t rawlen = 0;
	int fd, ret;

	fd = open_user_file(path, O_RDONLY, false, err, errlen);
	if (fd < 0)
		return fd;
	ret = read_all(fd, &raw, &rawlen, err, errlen);
	close(fd);
	if (ret)
		return ret;
	if (rawlen < 2 || raw[0] != 0x1f || raw[1] != 0x8b) {
		*buf = raw;
		*len = rawlen;
		return 0;
	}
	ret = gunzip(raw, rawlen, &plain, len, err, errlen);
	free(raw);
	if (!ret)
		*buf = plain;
	return ret;
}

/* Look for the Xen PHYS32_ENTRY note in one PT_NOTE segment. */
static int find_pvh_note(Elf *elf, const GElf_Phdr *ph, uint32_t *entry)
{
	Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset,
					   ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!d)
		return -ENOENT;
	while (off < d->d_size &&
	       (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;

		if (nh.n_type != PVH_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != 4 ||
		    memcmp(name, "Xen", 4) != 0)
			continue;
		if (nh.n_descsz != 4 && nh.n_descsz != 8)
			return -EINVAL;
		/* Pointer-sized; the low 32 bits are the entry (little-endian). */
		memcpy(entry, desc, sizeof(*entry));
		return 0;
	}
	return -ENOENT;
}

static int check_header(Elf *elf, char *err, size_t errlen)
{
	GElf_Ehdr eh;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		return fail(err, errlen, -EINVAL, "not an ELF file");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386))
		return fail(err, errlen, -EINVAL,
			    "not a little-endian x86 ELF (machine %u)",
			    (unsigned int)eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return fail(err, errlen, -EINVAL,
			    "not an executable ELF (type %u)",
			    (unsigned int)eh.e_type);
	return 0;
}

static int add_segment(struct kernel_image *img, const GElf_Phdr *ph,
		       size_t len, size_t idx, char *err, size_t errlen)
{
	uint64_t fend, mend;

	if (ph->p_memsz == 0)
		return 0;
	if (!range_end(ph->p_offset, ph->p_filesz ? ph->p_filesz : 1, &fend) ||
	    (ph->p_filesz && fend > len))
		return fail(err, errlen, -EINVAL,
			    "truncated: segment %zu needs file bytes up to 0x%llx, "
			    "the file has 0x%zx", idx,
			    (unsigned long long)(ph->p_offset + ph->p_filesz), len);
	if (ph->p_filesz > ph->p_memsz || !range_end(ph->p_paddr, ph->p_memsz, &mend))
		return fail(err, errlen, -EINVAL, "segment %zu has bad sizes", idx);
	for (size_t i = 0; i < img->nseg; i++)
		if (ranges_overlap(ph->p_paddr, ph->p_memsz, img->seg[i].paddr,
				   img->seg[i].memsz))
			return fail(err, errlen, -EINVAL,
				    "segments overlap at 0x%llx",
				    (unsigned long long)ph->p_paddr);
	if (img->nseg == KERNEL_MAX_SEGMENTS)
		return fail(err, errlen, -EINVAL, "more than %d segments",
			    KERNEL_MAX_SEGMENTS);
	img->seg[img->nseg++] = (struct kernel_segment){
		ph->p_paddr, ph->p_memsz, ph->p_filesz, ph->p_offset
	};
	if (mend > img->end)
		img->end = mend;
	return 0;
}

/*
 * The segment holding the entry point, or NULL. The entry must lie in the
 * segment's bytes from the file: the zero-filled rest (memsz beyond
 * filesz) holds no code, and a guest entered there dies at once.
 */
static const struct kernel_segment *entry_segment(const struct kernel_image *img)
{
	for (size_t i = 0; i < img->nseg; i++)
		if (range_within(img->entry, 1, img->seg[i].paddr,
				 img->seg[i].memsz))
			return &img->seg[i];
	return NULL;
}

static int walk_phdrs(Elf *elf, size_t len, struct kernel_image *img,
		      char *err, size_t errlen)
{
	const struct kernel_segment *seg;
	size_t n;
	bool have_entry = false;
	GElf_Phdr ph;
	int ret;

	if (elf_getphdrnum(elf, &n) || n == 0)
		return fail(err, errlen, -EINVAL, "no program headers");
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, (int)i, &ph))
			return fail(err, errlen, -EINVAL,
				    "truncated: program header %zu", i);
		if (ph.p_type == PT_LOAD) {
			ret = add_segment(img, &ph, len, i, err, errlen);
			if (ret)
				return ret;
		} else if (ph.p_type == PT_NOTE && !have_entry) {
			if (!range_within(ph.p_offset, ph.p_filesz ? ph.p_filesz : 1,
					  0, len))
				return fail(err, errlen, -EINVAL,
					    "truncated: note segment %zu", i);
			have_entry = find_pvh_note(elf, &ph, &img->entry) == 0;
		}
	}
	if (!img->nseg)
		return fail(err, errlen, -EINVAL, "no loadable segments");
	if (!have_entry)
		return fail(err, errlen, -EINVAL,
			    "no PVH entry note (Xen ELF note PHYS32_ENTRY); "
			    "cvmm boots PVH kernels only");
	seg = entry_segment(img);
	if (!seg)
		return fail(err, errlen, -EINVAL,
			    "PVH entry 0x%x is outside the loaded segments",
			    img->entry);
	if (img->entry - seg->paddr >= seg->filesz)
		return fail(err, errlen, -EINVAL,
			    "PVH entry 0x%x is in the zero-filled part of the "
			    "segment at 0x%llx (past its file bytes)", img->entry,
			    (unsigned long long)seg->paddr);
	return 0;
}

int kernel_parse(const uint8_t *buf, size_t len, struct kernel_image *img,
		 char *err, size_t errlen)
{
	Elf *elf;
	int ret;

	memset(img, 0, sizeof(*img));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, errlen, -EINVAL, "libelf is unusable");
	elf = elf_memory((char *)buf, len);
	if (!elf)
		return fail(err, errlen, -EINVAL, "not an ELF file");
	ret = check_header(elf, err, errlen);
	if (!ret)
		ret = walk_phdrs(elf, len, img, err, errlen);
	elf_end(elf);
	return ret;
}

int kernel_check_fit(const struct kernel_image *img, uint64_t ram, char *err,
		     size_t errlen)
{
	struct hvm_memmap_table_entry map[PVH_MAX_MEMMAP];
	size_t n = x86_memmap(ram, map);

	for (size_t i = 0; i < img->nseg; i++) {
		const struct kernel_segment *s = &img->seg[i];
		bool in_ram = false;

		for (size_t j = 0; j < n; j++)
			if (map[j].type == E820_RAM &&
			    range_within(s->paddr, s->memsz, map[j].addr,
					 map[j].size))
				in_ram = true;
		if (!in_ram)
			return fail(err, errlen, -E2BIG,
				    "does not fit in guest RAM: segment at "
				    "[0x%llx, 0x%llx) is outside RAM",
				    (unsigned long long)s->paddr,
				    (unsigned long long)(s->paddr + s->memsz));
		if (ranges_overlap(s->paddr, s->memsz, X86_BOOT_AREA_START,
				   X86_BOOT_AREA_END - X86_BOOT_AREA_START))
			return fail(err, errlen, -E2BIG,
				    "segment at 0x%llx overlaps cvmm's boot info "
				    "area [0x%llx, 0x%llx)",
				    (unsigned long long)s->paddr,
				    X86_BOOT_AREA_START, X86_BOOT_AREA_END);
	}
	return 0;
}
