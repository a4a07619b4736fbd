// SPDX-License-Identifier: MIT
#include "kernel_load.h"

#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../lib/files.h"
#include "../lib/util.h"

#define fail kernel_fail

int kernel_fail(char *err, size_t len, int code, const char *fmt, ...)
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
	prefault_write(b, (size_t)st.st_size); /* read() fills it whole */
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

int boot_file_read(const char *path, uint8_t **buf, size_t *len, char *err,
		   size_t errlen)
{
	int fd = open_user_file(path, O_RDONLY, false, err, errlen), ret;

	if (fd < 0)
		return fd;
	ret = read_all(fd, buf, len, err, errlen);
	close(fd);
	return ret;
}

static int check_header(Elf *elf, const struct elf_arch *a, GElf_Ehdr *eh,
			char *err, size_t errlen)
{
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, eh))
		return fail(err, errlen, -EINVAL, "not an ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB || !eh->e_machine ||
	    (eh->e_machine != a->machine[0] && eh->e_machine != a->machine[1]))
		return fail(err, errlen, -EINVAL,
			    "not a little-endian %s ELF (machine %u)", a->name,
			    (unsigned int)eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return fail(err, errlen, -EINVAL,
			    "not an executable ELF (type %u)",
			    (unsigned int)eh->e_type);
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

static int walk_phdrs(Elf *elf, size_t len, const struct elf_arch *a,
		      struct kernel_image *img, char *err, size_t errlen)
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
		} else if (ph.p_type == PT_NOTE && a->note && !have_entry) {
			if (!range_within(ph.p_offset, ph.p_filesz ? ph.p_filesz : 1,
					  0, len))
				return fail(err, errlen, -EINVAL,
					    "truncated: note segment %zu", i);
			have_entry = a->note(elf, &ph, &img->entry) == 0;
		}
	}
	if (!img->nseg)
		return fail(err, errlen, -EINVAL, "no loadable segments");
	if (!a->note)
		have_entry = true; /* e_entry, set by the caller */
	if (!have_entry)
		return fail(err, errlen, -EINVAL, "%s", a->no_entry);
	seg = entry_segment(img);
	if (!seg)
		return fail(err, errlen, -EINVAL,
			    "%s 0x%x is outside the loaded segments",
			    a->entry_name, img->entry);
	if (img->entry - seg->paddr >= seg->filesz)
		return fail(err, errlen, -EINVAL,
			    "%s 0x%x is in the zero-filled part of the "
			    "segment at 0x%llx (past its file bytes)",
			    a->entry_name, img->entry,
			    (unsigned long long)seg->paddr);
	return 0;
}

int elf_looks_like(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, ELFMAG, SELFMAG);
}

int elf_kernel_parse(const uint8_t *buf, size_t len, const struct elf_arch *a,
		     struct kernel_image *img, char *err, size_t errlen)
{
	GElf_Ehdr eh;
	Elf *elf;
	int ret;

	memset(img, 0, sizeof(*img));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, errlen, -EINVAL, "libelf is unusable");
	elf = elf_memory((char *)buf, len);
	if (!elf)
		return fail(err, errlen, -EINVAL, "not an ELF file");
	ret = check_header(elf, a, &eh, err, errlen);
	if (!ret && !a->note) {
		if (eh.e_entry > UINT32_MAX)
			ret = fail(err, errlen, -EINVAL, "entry 0x%llx is above 4 GiB",
				   (unsigned long long)eh.e_entry);
		img->entry = (uint32_t)eh.e_entry;
	}
	if (!ret)
		ret = walk_phdrs(elf, len, a, img, err, errlen);
	elf_end(elf);
	return ret;
}
