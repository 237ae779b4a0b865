/* Parsing one ELF object the way the kernel and ld.so read it (elfimage.h).
 *
 * The whole file is read with pread into a private buffer and handed to
 * elf_memory(). pread leaves the caller's file offset alone (boxed-setup
 * audits and then copies through the same fd), and a private copy is a
 * snapshot: a file rewritten under a shared mmap could change between two
 * checks, or be truncated and fault us with SIGBUS.
 */
#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "elfimage.h"

/* Where DT_STRTAB and DT_STRSZ put the dynamic strings. */
struct strtab_loc {
	GElf_Addr addr;
	GElf_Xword size;
	int have_addr, have_size;
};

/* The one place a libelf failure becomes text. */
static int elf_fail(char *err, size_t errlen, const char *call)
{
	return boxed_errf(err, errlen, "%s: %s", call, elf_errmsg(elf_errno()));
}

void boxed_elf_image_free(struct boxed_elf_image *im)
{
	free(im->phdr);
	free(im->rpath);
	free(im->runpath);
	free(im->needed);
	if (im->elf)
		elf_end(im->elf);
	memset(im, 0, sizeof(*im));
}

/* A string in DT_STRTAB at offset off, NUL-terminated inside the table;
 * NULL when off or the terminator falls outside it. */
static const char *dyn_string(const struct boxed_elf_image *im, GElf_Xword off)
{
	const char *base;

	if (!im->strtab || off >= im->strtab->d_size)
		return NULL;
	base = im->strtab->d_buf;
	if (!memchr(base + off, '\0', im->strtab->d_size - off))
		return NULL;
	return base + off;
}

/* Map a virtual address range to a file offset the way ld.so finds it:
 * through the PT_LOAD segment whose file image holds it. */
static int vaddr_to_offset(const struct boxed_elf_image *im, GElf_Addr vaddr, GElf_Xword len,
			   GElf_Off *off)
{
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];
		GElf_Xword delta;

		if (p->p_type != PT_LOAD || vaddr < p->p_vaddr)
			continue;
		delta = vaddr - p->p_vaddr;
		if (delta >= p->p_filesz || len > p->p_filesz - delta)
			continue;
		if (p->p_offset > im->size || delta > im->size - p->p_offset ||
		    len > im->size - p->p_offset - delta)
			return -1;
		*off = p->p_offset + delta;
		return 0;
	}
	return -1;
}

/* A string from a dynamic entry, bounds-checked, appended to vec. */
static int take_string(struct boxed_elf_image *im, GElf_Xword off, const char *tag,
		       const char ***vec, size_t *n, char *err, size_t errlen)
{
	const char *s = dyn_string(im, off);
	const char **grown;

	if (!s)
		return boxed_errf(err, errlen, "%s string at offset %llu lies outside DT_STRTAB",
				  tag, (unsigned long long)off);
	grown = reallocarray(*vec, *n + 1, sizeof(**vec));
	if (!grown)
		return boxed_errf(err, errlen, "out of memory");
	grown[(*n)++] = s;
	*vec = grown;
	return 0;
}

static int read_program_headers(struct boxed_elf_image *im, char *err, size_t errlen)
{
	size_t entsize = gelf_fsize(im->elf, ELF_T_PHDR, 1, EV_CURRENT);

	/* Extended numbering keeps the count in section header 0, which the
	 * kernel never reads: binfmt_elf takes e_phnum as it is. */
	if (im->ehdr.e_phnum == PN_XNUM)
		return boxed_errf(err, errlen, "extended program header numbering (PN_XNUM)");
	if (elf_getphdrnum(im->elf, &im->phnum) != 0)
		return elf_fail(err, errlen, "elf_getphdrnum");
	if (im->phnum == 0)
		return boxed_errf(err, errlen, "no program headers: nothing the kernel could run");
	/* libelf checks this too; the audit does not depend on it. */
	if (im->ehdr.e_phentsize != entsize || im->ehdr.e_phoff > im->size ||
	    im->phnum > (im->size - im->ehdr.e_phoff) / entsize)
		return boxed_errf(err, errlen,
				  "program header table (offset %llu, %zu entries) lies "
				  "outside the file",
				  (unsigned long long)im->ehdr.e_phoff, im->phnum);
	im->phdr = calloc(im->phnum, sizeof(*im->phdr));
	if (!im->phdr)
		return boxed_errf(err, errlen, "out of memory");
	for (size_t i = 0; i < im->phnum; i++)
		if (!gelf_getphdr(im->elf, (int)i, &im->phdr[i]))
			return elf_fail(err, errlen, "gelf_getphdr");
	return 0;
}

static int read_interp(struct boxed_elf_image *im, const GElf_Phdr *p, char *err, size_t errlen)
{
	Elf_Data *d;

	if (im->interp)
		return boxed_errf(err, errlen, "more than one PT_INTERP");
	if (p->p_filesz == 0 || p->p_offset > im->size || p->p_filesz > im->size - p->p_offset)
		return boxed_errf(err, errlen, "PT_INTERP lies outside the file");
	d = elf_getdata_rawchunk(im->elf, (int64_t)p->p_offset, p->p_filesz, ELF_T_BYTE);
	if (!d)
		return elf_fail(err, errlen, "elf_getdata_rawchunk(PT_INTERP)");
	if (!memchr(d->d_buf, '\0', d->d_size))
		return boxed_errf(err, errlen, "PT_INTERP is not NUL-terminated");
	im->interp = d->d_buf;
	return 0;
}

static int read_strtab(struct boxed_elf_image *im, const struct strtab_loc *loc, char *err,
		       size_t errlen)
{
	GElf_Off off;

	if (loc->have_addr != loc->have_size)
		return boxed_errf(err, errlen, "DT_STRTAB and DT_STRSZ must come together");
	if (!loc->have_addr || loc->size == 0)
		return 0;
	if (vaddr_to_offset(im, loc->addr, loc->size, &off) != 0)
		return boxed_errf(
		    err, errlen,
		    "DT_STRTAB (address %#llx, %llu bytes) is not inside a loaded segment",
		    (unsigned long long)loc->addr, (unsigned long long)loc->size);
	im->strtab = elf_getdata_rawchunk(im->elf, (int64_t)off, loc->size, ELF_T_BYTE);
	if (!im->strtab)
		return elf_fail(err, errlen, "elf_getdata_rawchunk(DT_STRTAB)");
	return 0;
}

/* What one dynamic entry says about binding, text relocations and PIE,
 * and where the strings are. */
static void dyn_flags(struct boxed_elf_image *im, const GElf_Dyn *dyn, struct strtab_loc *loc)
{
	switch (dyn->d_tag) {
	case DT_STRTAB:
		loc->addr = dyn->d_un.d_ptr;
		loc->have_addr = 1;
		break;
	case DT_STRSZ:
		loc->size = dyn->d_un.d_val;
		loc->have_size = 1;
		break;
	case DT_BIND_NOW:
		im->bind_now = 1;
		break;
	case DT_TEXTREL:
		im->textrel = 1;
		break;
	case DT_FLAGS:
		im->bind_now |= !!(dyn->d_un.d_val & DF_BIND_NOW);
		im->textrel |= !!(dyn->d_un.d_val & DF_TEXTREL);
		break;
	case DT_FLAGS_1:
		im->bind_now |= !!(dyn->d_un.d_val & DF_1_NOW);
		im->df_1_pie |= !!(dyn->d_un.d_val & DF_1_PIE);
		break;
	}
}

/* The strings of one dynamic entry (DT_NEEDED, DT_RPATH, DT_RUNPATH). */
static int dyn_strings(struct boxed_elf_image *im, const GElf_Dyn *dyn, char *err, size_t errlen)
{
	GElf_Xword off = dyn->d_un.d_val;

	switch (dyn->d_tag) {
	case DT_NEEDED:
		return take_string(im, off, "DT_NEEDED", &im->needed, &im->n_needed, err, errlen);
	case DT_RPATH:
		return take_string(im, off, "DT_RPATH", &im->rpath, &im->n_rpath, err, errlen);
	case DT_RUNPATH:
		return take_string(im, off, "DT_RUNPATH", &im->runpath, &im->n_runpath, err,
				   errlen);
	}
	return 0;
}

/* The dynamic array, as ld.so reads it: through PT_DYNAMIC, up to DT_NULL
 * or the end of the segment's file image. A later duplicate of a tag wins
 * in ld.so; every one is collected here, so every one is judged. Two
 * passes: the strings can be read only once DT_STRTAB is known. */
static int read_dynamic(struct boxed_elf_image *im, const GElf_Phdr *p, char *err, size_t errlen)
{
	size_t entsize = gelf_fsize(im->elf, ELF_T_DYN, 1, EV_CURRENT);
	struct strtab_loc loc = {0};
	size_t count, n = 0;
	Elf_Data *d;
	GElf_Dyn dyn;

	if (im->dynamic)
		return boxed_errf(err, errlen, "more than one PT_DYNAMIC");
	if (p->p_offset > im->size || p->p_filesz > im->size - p->p_offset)
		return boxed_errf(err, errlen,
				  "PT_DYNAMIC (offset %llu, %llu bytes) lies outside the file",
				  (unsigned long long)p->p_offset, (unsigned long long)p->p_filesz);
	count = p->p_filesz / entsize;
	if (count == 0)
		return boxed_errf(err, errlen, "PT_DYNAMIC is empty");
	d = elf_getdata_rawchunk(im->elf, (int64_t)p->p_offset, count * entsize, ELF_T_DYN);
	if (!d)
		return elf_fail(err, errlen, "elf_getdata_rawchunk(PT_DYNAMIC)");
	im->dynamic = 1;
	for (; n < count; n++) {
		if (!gelf_getdyn(d, (int)n, &dyn))
			return elf_fail(err, errlen, "gelf_getdyn");
		if (dyn.d_tag == DT_NULL)
			break;
		dyn_flags(im, &dyn, &loc);
	}
	if (read_strtab(im, &loc, err, errlen) != 0)
		return -1;
	/* The entries before DT_NULL were all read above: n of them. */
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getdyn(d, (int)i, &dyn))
			return elf_fail(err, errlen, "gelf_getdyn");
		if (dyn_strings(im, &dyn, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int boxed_elf_image_open(struct boxed_elf_image *im, char *buf, size_t size, char *err,
			 size_t errlen)
{
	memset(im, 0, sizeof(*im));
	im->size = size;
	if (size < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return boxed_errf(err, errlen, "not an ELF file (%zu bytes, no ELF magic)", size);
	/* elf_version() must come before any other libelf call; it is cheap
	 * and idempotent. */
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(err, errlen, "elf_version");
	im->elf = elf_memory(buf, size);
	if (!im->elf)
		return elf_fail(err, errlen, "elf_memory");
	if (elf_kind(im->elf) != ELF_K_ELF)
		return boxed_errf(err, errlen, "not an ELF object libelf accepts");
	if (!gelf_getehdr(im->elf, &im->ehdr))
		return elf_fail(err, errlen, "gelf_getehdr");
	return 0;
}

int boxed_elf_image_parse(struct boxed_elf_image *im, char *err, size_t errlen)
{
	if (read_program_headers(im, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];
		int rc = 0;

		/* The kernel refuses to map a file image it cannot read. */
		if (p->p_type == PT_LOAD &&
		    (p->p_offset > im->size || p->p_filesz > im->size - p->p_offset))
			return boxed_errf(err, errlen,
					  "PT_LOAD %zu (offset %llu, %llu bytes) lies outside "
					  "the file (truncated?)",
					  i, (unsigned long long)p->p_offset,
					  (unsigned long long)p->p_filesz);
		if (p->p_type == PT_INTERP)
			rc = read_interp(im, p, err, errlen);
		else if (p->p_type == PT_DYNAMIC)
			rc = read_dynamic(im, p, err, errlen);
		if (rc != 0)
			return -1;
	}
	return 0;
}

const GElf_Phdr *boxed_elf_image_phdr(const struct boxed_elf_image *im, GElf_Word type)
{
	for (size_t i = 0; i < im->phnum; i++)
		if (im->phdr[i].p_type == type)
			return &im->phdr[i];
	return NULL;
}

int boxed_elf_host_class(const GElf_Ehdr *e)
{
	return e->e_ident[EI_CLASS] == BOXED_ELF_HOST_CLASS &&
	       e->e_ident[EI_DATA] == BOXED_ELF_HOST_DATA;
}

int boxed_elf_host_object_fd(int fd)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	struct stat st;
	Elf64_Half machine;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 0;
	if (memcmp(h, ELFMAG, SELFMAG) != 0 || h[EI_CLASS] != BOXED_ELF_HOST_CLASS ||
	    h[EI_DATA] != BOXED_ELF_HOST_DATA)
		return 0;
	memcpy(&machine, h + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
	return machine == BOXED_ELF_HOST_MACHINE;
}

int boxed_elf_read_file(int fd, char **buf, size_t *size, char *err, size_t errlen)
{
	struct stat st;
	size_t len = 0;
	char *b;

	if (fstat(fd, &st) != 0)
		return boxed_errf(err, errlen, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return boxed_errf(err, errlen, "not a regular file");
	if ((uintmax_t)st.st_size > BOXED_ELF_MAX_IMAGE)
		return boxed_errf(err, errlen, "larger than %zu bytes", BOXED_ELF_MAX_IMAGE);
	b = malloc((size_t)st.st_size + 1);
	if (!b)
		return boxed_errf(err, errlen, "out of memory");
	while (len < (size_t)st.st_size) {
		ssize_t n = pread(fd, b + len, (size_t)st.st_size - len, (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(b);
			return boxed_errf(err, errlen, "pread: %s", strerror(e));
		}
		if (n == 0)
			break; /* shrank under us: audit what is there */
		len += (size_t)n;
	}
	*buf = b;
	*size = len;
	return 0;
}
