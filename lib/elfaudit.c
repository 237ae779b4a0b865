/* The ELF audit (BLUEPRINT §3): what the kernel and ld.so will do with an
 * executable, read the way they read it.
 *
 * Only the ELF header and the program headers are trusted to describe the
 * file: the kernel maps PT_LOAD, honours PT_GNU_STACK and PT_INTERP, and
 * ld.so finds its dynamic array through PT_DYNAMIC and its strings through
 * DT_STRTAB, an address it maps back through PT_LOAD. Section headers are
 * never read: strip(1) and a crafted file can make them say anything.
 *
 * The whole file is read with pread into a private buffer and handed to
 * elf_memory(). pread leaves the caller's file offset alone (boxed-setup
 * audits and then copies through the same fd), and a private copy is a
 * snapshot: a file rewritten under a shared mmap could change between two
 * checks, or be truncated and fault us with SIGBUS.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "die.h"
#include "elfaudit.h"
#include "fsutil.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_MACHINE_NAME "x86-64"
static const char *const host_libdirs[] = {
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    NULL,
};
static const char *const host_hwcaps[] = {"x86-64-v4", "x86-64-v3", "x86-64-v2", NULL};
/* ld.so.cache entry flags ld.so accepts here: FLAG_ELF_LIBC6 | FLAG_X8664_LIB64. */
#define HOST_CACHE_FLAGS 0x0303
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_MACHINE_NAME "AArch64"
static const char *const host_libdirs[] = {
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
    NULL,
};
static const char *const host_hwcaps[] = {NULL};
/* FLAG_ELF_LIBC6 | FLAG_AARCH64_LIB64 */
#define HOST_CACHE_FLAGS 0x0a03
#else
#error "the ELF audit knows the loader of x86-64 and AArch64 only"
#endif
#define HOST_CLASS ELFCLASS64
#define HOST_DATA ELFDATA2LSB

/* Larger than any interpreter or library we would load; bounds malloc. */
#define ELF_MAX_IMAGE ((size_t)1 << 30)
/* Bounds the walk of the dependency graph (a loop is cut by name anyway). */
#define ELF_MAX_LIBS 512

struct audit {
	const char *subject;
	unsigned flags;
	struct boxed_findings *out;
	enum boxed_severity worst;
};

/* One object as the loader sees it: header, program headers, dynamic. */
struct image {
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t size;
	size_t phnum;
	GElf_Phdr *phdr;
	const char *interp;
	int dynamic; /* a PT_DYNAMIC was found and read */
	int bind_now;
	int textrel;
	int df_1_pie;
	Elf_Data *strtab;
	const char **rpath, **runpath, **needed;
	size_t n_rpath, n_runpath, n_needed;
};

__attribute__((format(printf, 4, 5))) static void note(struct audit *a, enum boxed_severity sev,
						       const char *check, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (sev == BOXED_SEV_OK && !(a->flags & BOXED_ELF_RECORD_OK))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	boxed_findings_add(a->out, sev, check, a->subject, "%s", msg);
	if (sev > a->worst)
		a->worst = sev;
}

/* The one place a libelf failure becomes text. */
static int elf_fail(char *err, size_t errlen, const char *call)
{
	return boxed_errf(err, errlen, "%s: %s", call, elf_errmsg(elf_errno()));
}

/* elf_version() must be called before any other libelf call; it is cheap
 * and idempotent, so every entry point calls it. */
static int elf_ready(char *err, size_t errlen)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return elf_fail(err, errlen, "elf_version");
	return 0;
}

static void image_free(struct image *im)
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
static const char *dyn_string(const struct image *im, GElf_Xword off)
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
static int vaddr_to_offset(const struct image *im, GElf_Addr vaddr, GElf_Xword len, GElf_Off *off)
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

static int push_str(const char ***vec, size_t *n, const char *s)
{
	const char **grown = reallocarray(*vec, *n + 1, sizeof(**vec));

	if (!grown)
		return -1;
	grown[(*n)++] = s;
	*vec = grown;
	return 0;
}

/* A string from a dynamic entry, bounds-checked, appended to vec. */
static int take_string(struct image *im, GElf_Xword off, const char *tag, const char ***vec,
		       size_t *n, char *err, size_t errlen)
{
	const char *s = dyn_string(im, off);

	if (!s)
		return boxed_errf(err, errlen, "%s string at offset %llu lies outside DT_STRTAB",
				  tag, (unsigned long long)off);
	if (push_str(vec, n, s) != 0)
		return boxed_errf(err, errlen, "out of memory");
	return 0;
}

static int read_program_headers(struct image *im, char *err, size_t errlen)
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

static int read_interp(struct image *im, const GElf_Phdr *p, char *err, size_t errlen)
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

static int read_strtab(struct image *im, GElf_Addr addr, GElf_Xword size, char *err, size_t errlen)
{
	GElf_Off off;

	if (size == 0)
		return 0;
	if (vaddr_to_offset(im, addr, size, &off) != 0)
		return boxed_errf(
		    err, errlen,
		    "DT_STRTAB (address %#llx, %llu bytes) is not inside a loaded segment",
		    (unsigned long long)addr, (unsigned long long)size);
	im->strtab = elf_getdata_rawchunk(im->elf, (int64_t)off, size, ELF_T_BYTE);
	if (!im->strtab)
		return elf_fail(err, errlen, "elf_getdata_rawchunk(DT_STRTAB)");
	return 0;
}

/* The dynamic array, as ld.so reads it: through PT_DYNAMIC, up to DT_NULL
 * or the end of the segment's file image. A later duplicate of a tag wins
 * in ld.so; every one is collected here, so every one is judged. */
static int read_dynamic(struct image *im, const GElf_Phdr *p, char *err, size_t errlen)
{
	size_t entsize = gelf_fsize(im->elf, ELF_T_DYN, 1, EV_CURRENT);
	GElf_Addr strtab = 0;
	GElf_Xword strsz = 0;
	int have_strtab = 0, have_strsz = 0;
	size_t count, i;
	Elf_Data *d;

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

	/* First pass: where the strings are and the flags. */
	for (i = 0; i < count; i++) {
		GElf_Dyn dyn;

		if (!gelf_getdyn(d, (int)i, &dyn))
			return elf_fail(err, errlen, "gelf_getdyn");
		if (dyn.d_tag == DT_NULL)
			break;
		switch (dyn.d_tag) {
		case DT_STRTAB:
			strtab = dyn.d_un.d_ptr;
			have_strtab = 1;
			break;
		case DT_STRSZ:
			strsz = dyn.d_un.d_val;
			have_strsz = 1;
			break;
		case DT_BIND_NOW:
			im->bind_now = 1;
			break;
		case DT_TEXTREL:
			im->textrel = 1;
			break;
		case DT_FLAGS:
			if (dyn.d_un.d_val & DF_BIND_NOW)
				im->bind_now = 1;
			if (dyn.d_un.d_val & DF_TEXTREL)
				im->textrel = 1;
			break;
		case DT_FLAGS_1:
			if (dyn.d_un.d_val & DF_1_NOW)
				im->bind_now = 1;
			if (dyn.d_un.d_val & DF_1_PIE)
				im->df_1_pie = 1;
			break;
		}
	}
	if (have_strtab != have_strsz)
		return boxed_errf(err, errlen, "DT_STRTAB and DT_STRSZ must come together");
	if (have_strtab && read_strtab(im, strtab, strsz, err, errlen) != 0)
		return -1;

	/* Second pass: the strings, each bounds-checked. */
	for (i = 0; i < count; i++) {
		GElf_Dyn dyn;
		int rc = 0;

		if (!gelf_getdyn(d, (int)i, &dyn))
			return elf_fail(err, errlen, "gelf_getdyn");
		if (dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag == DT_NEEDED)
			rc = take_string(im, dyn.d_un.d_val, "DT_NEEDED", &im->needed,
					 &im->n_needed, err, errlen);
		else if (dyn.d_tag == DT_RPATH)
			rc = take_string(im, dyn.d_un.d_val, "DT_RPATH", &im->rpath, &im->n_rpath,
					 err, errlen);
		else if (dyn.d_tag == DT_RUNPATH)
			rc = take_string(im, dyn.d_un.d_val, "DT_RUNPATH", &im->runpath,
					 &im->n_runpath, err, errlen);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Parse buf (which must outlive im) far enough for every check. On a
 * class mismatch only the header is read: the rest would be misparsed.
 * Returns 0, or -1 with the reason in err. */
static int image_open(struct image *im, char *buf, size_t size, char *err, size_t errlen)
{
	memset(im, 0, sizeof(*im));
	im->size = size;
	if (size < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return boxed_errf(err, errlen, "not an ELF file (%zu bytes, no ELF magic)", size);
	if (elf_ready(err, errlen) != 0)
		return -1;
	im->elf = elf_memory(buf, size);
	if (!im->elf)
		return elf_fail(err, errlen, "elf_memory");
	if (elf_kind(im->elf) != ELF_K_ELF)
		return boxed_errf(err, errlen, "not an ELF object libelf accepts");
	if (!gelf_getehdr(im->elf, &im->ehdr))
		return elf_fail(err, errlen, "gelf_getehdr");
	return 0;
}

static int image_parse(struct image *im, char *err, size_t errlen)
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

static const GElf_Phdr *find_phdr(const struct image *im, GElf_Word type)
{
	for (size_t i = 0; i < im->phnum; i++)
		if (im->phdr[i].p_type == type)
			return &im->phdr[i];
	return NULL;
}

static int host_class(const GElf_Ehdr *e)
{
	return e->e_ident[EI_CLASS] == HOST_CLASS && e->e_ident[EI_DATA] == HOST_DATA;
}

static void check_class(struct audit *a, const struct image *im)
{
	if (host_class(&im->ehdr))
		note(a, BOXED_SEV_OK, "class", "64-bit little-endian, as the host");
	else
		note(a, BOXED_SEV_ERROR, "class",
		     "class %u, data encoding %u: not the host's 64-bit little-endian",
		     im->ehdr.e_ident[EI_CLASS], im->ehdr.e_ident[EI_DATA]);
}

static void check_machine(struct audit *a, const struct image *im)
{
	if (im->ehdr.e_machine == HOST_MACHINE)
		note(a, BOXED_SEV_OK, "machine", "%s, as the host", HOST_MACHINE_NAME);
	else
		note(a, BOXED_SEV_ERROR, "machine", "machine %u is not the host's %s",
		     im->ehdr.e_machine, HOST_MACHINE_NAME);
}

/* ET_DYN without PT_INTERP is a shared library unless it says it is a
 * static PIE (DF_1_PIE). */
static void check_type(struct audit *a, const struct image *im)
{
	if (im->ehdr.e_type == ET_EXEC ||
	    (im->ehdr.e_type == ET_DYN && (im->interp || im->df_1_pie)))
		note(a, BOXED_SEV_OK, "type", "an executable");
	else
		note(a, BOXED_SEV_ERROR, "type", "ELF type %u is not an executable",
		     im->ehdr.e_type);
}

/* A fixed load address makes every gadget's address known in advance. */
static void check_pie(struct audit *a, const struct image *im)
{
	if (im->ehdr.e_type == ET_DYN && (im->interp || im->df_1_pie))
		note(a, BOXED_SEV_OK, "pie", "position-independent executable");
	else
		note(a, BOXED_SEV_ERROR, "pie",
		     "not a position-independent executable: it loads at a fixed address; "
		     "build with -fPIE -pie");
}

static void check_relro(struct audit *a, const struct image *im)
{
	if (find_phdr(im, PT_GNU_RELRO))
		note(a, BOXED_SEV_OK, "relro", "PT_GNU_RELRO present");
	else
		note(a, BOXED_SEV_ERROR, "relro",
		     "no PT_GNU_RELRO: the GOT and relocated data stay writable; "
		     "link with -Wl,-z,relro");
}

/* Without BIND_NOW the PLT part of the GOT stays writable for lazy
 * binding, and RELRO covers only half of it. */
static void check_bindnow(struct audit *a, const struct image *im)
{
	if (!im->dynamic)
		note(a, BOXED_SEV_OK, "bindnow", "statically linked: nothing is bound lazily");
	else if (im->bind_now)
		note(a, BOXED_SEV_OK, "bindnow", "BIND_NOW set");
	else
		note(a, BOXED_SEV_ERROR, "bindnow",
		     "symbols are bound lazily, so the GOT stays writable (partial RELRO); "
		     "link with -Wl,-z,now");
}

/* The x86 kernel maps the stack executable when PT_GNU_STACK is missing
 * (elf_read_implies_exec), and ld.so does it when any object asks. */
static void check_nx_stack(struct audit *a, const struct image *im)
{
	const GElf_Phdr *p = find_phdr(im, PT_GNU_STACK);

	if (!p)
		note(
		    a, BOXED_SEV_ERROR, "nx-stack",
		    "no PT_GNU_STACK: the stack would be executable; link with -Wl,-z,noexecstack");
	else if (p->p_flags & PF_X)
		note(a, BOXED_SEV_ERROR, "nx-stack",
		     "PT_GNU_STACK asks for an executable stack; link with -Wl,-z,noexecstack");
	else
		note(a, BOXED_SEV_OK, "nx-stack", "PT_GNU_STACK without PF_X");
}

static void check_wx(struct audit *a, const struct image *im)
{
	int bad = 0;

	for (size_t i = 0; i < im->phnum; i++) {
		const GElf_Phdr *p = &im->phdr[i];

		if (p->p_type == PT_GNU_STACK)
			continue; /* judged by nx-stack */
		if ((p->p_flags & (PF_W | PF_X)) == (PF_W | PF_X)) {
			note(a, BOXED_SEV_ERROR, "wx-segment",
			     "program header %zu (type %#x, address %#llx) is writable and "
			     "executable: injected code could run there",
			     i, p->p_type, (unsigned long long)p->p_vaddr);
			bad = 1;
		}
	}
	if (!bad)
		note(a, BOXED_SEV_OK, "wx-segment", "no segment is both writable and executable");
}

/* Text relocations make ld.so write into code, so the code pages are
 * writable for a while and never shared. */
static void check_textrel(struct audit *a, const struct image *im)
{
	if (im->textrel)
		note(a, BOXED_SEV_ERROR, "textrel",
		     "text relocations (DT_TEXTREL or DF_TEXTREL); build every object with "
		     "-fPIC/-fPIE");
	else
		note(a, BOXED_SEV_OK, "textrel", "no text relocations");
}

/* One RPATH/RUNPATH string. ld.so takes an empty entry as the current
 * directory, a relative one relative to it, and $ORIGIN as the directory
 * of the binary: all three let whoever chooses the cwd or hard-links the
 * binary choose the libraries. Other tokens ($LIB, $PLATFORM) are refused
 * as well: the audit would have to guess how ld.so expands them. */
static int judge_search_path(struct audit *a, const char *tag, const char *s)
{
	const char *p = s;
	int bad = 0;

	if (*s == '\0') {
		note(a, BOXED_SEV_ERROR, "rpath", "empty %s: it means the current directory", tag);
		return 1;
	}
	for (;;) {
		size_t len = strcspn(p, ":");
		char comp[PATH_MAX];

		snprintf(comp, sizeof(comp), "%.*s",
			 (int)(len < sizeof(comp) ? len : sizeof(comp) - 1), p);
		if (len == 0) {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s \"%s\" has an empty entry: it means the current directory", tag,
			     s);
			bad = 1;
		} else if (strstr(comp, "$ORIGIN") || strstr(comp, "${ORIGIN}")) {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s entry \"%s\" uses $ORIGIN: a hard link elsewhere chooses the "
			     "libraries",
			     tag, comp);
			bad = 1;
		} else if (strchr(comp, '$')) {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s entry \"%s\" uses a dynamic string token", tag, comp);
			bad = 1;
		} else if (comp[0] != '/') {
			note(a, BOXED_SEV_ERROR, "rpath",
			     "%s entry \"%s\" is relative: the current directory chooses the "
			     "libraries",
			     tag, comp);
			bad = 1;
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	return bad;
}

static void check_rpath(struct audit *a, const struct image *im)
{
	int bad = 0;

	for (size_t i = 0; i < im->n_rpath; i++)
		bad |= judge_search_path(a, "DT_RPATH", im->rpath[i]);
	for (size_t i = 0; i < im->n_runpath; i++)
		bad |= judge_search_path(a, "DT_RUNPATH", im->runpath[i]);
	if (!bad)
		note(a, BOXED_SEV_OK, "rpath",
		     im->n_rpath + im->n_runpath ? "RPATH/RUNPATH entries are absolute"
						 : "no RPATH or RUNPATH");
}

/* Read a regular file whole with pread (the offset stays where it was). */
static int read_image(int fd, char **buf, size_t *size, char *err, size_t errlen)
{
	struct stat st;
	size_t len = 0;
	char *b;

	if (fstat(fd, &st) != 0)
		return boxed_errf(err, errlen, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return boxed_errf(err, errlen, "not a regular file");
	if ((uintmax_t)st.st_size > ELF_MAX_IMAGE)
		return boxed_errf(err, errlen, "larger than %zu bytes", ELF_MAX_IMAGE);
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

/* ---- DT_NEEDED, resolved as ld.so resolves it ----
 *
 * The search order of ld.so(8) for a name without a slash: DT_RPATH of
 * the object and then of its loaders (only when the object has no
 * DT_RUNPATH), LD_LIBRARY_PATH (ignored here: in secure-execution mode, the
 * mode of a binary with file capabilities, ld.so ignores it), DT_RUNPATH,
 * /etc/ld.so.cache, then the default directories. The cache is read here
 * as ld.so reads it (the "glibc-ld.so.cache1.1" format ldconfig writes
 * since glibc 2.32), because it names directories from /etc/ld.so.conf.d
 * such as /usr/local/lib that win over the defaults; every entry for the
 * name is judged, since ld.so picks among them by the CPU's hwcaps. A
 * cache ld.so would reject is skipped, as ld.so skips it. Each search
 * directory is tried with its glibc-hwcaps subdirectories first, and a
 * candidate of the wrong class or machine is skipped, as ld.so skips it.
 * Each library found is audited the same way in turn, so the whole
 * dependency graph is judged. */

#define LD_SO_CACHE "/etc/ld.so.cache"
#define LD_SO_CACHE_MAGIC "glibc-ld.so.cache1.1"
#define LD_SO_CACHE_MAX ((size_t)64 << 20)
#define CACHE_HEADER_SIZE 48 /* magic[20] nlibs len_strings flags[4] ext unused[3] */
#define CACHE_ENTRY_SIZE 24  /* flags key value osversion hwcap(8) */

struct search {
	const char **dirs;
	size_t n;
	size_t n_object; /* dirs[0..n_object) come from RPATH/RUNPATH */
};

static int search_add(struct search *s, const char *dir)
{
	return push_str(&s->dirs, &s->n, dir);
}

/* Split a colon-separated path into dirs; only absolute entries without
 * tokens (the others are already rpath findings and never searched). The
 * strings are copied into *store, freed by the caller. */
static int search_add_path(struct search *s, const char *path, char ***store, size_t *nstore)
{
	const char *p = path;

	for (;;) {
		size_t len = strcspn(p, ":");

		if (len > 0 && p[0] == '/' && !memchr(p, '$', len)) {
			char *dir = strndup(p, len);
			char **grown;

			if (!dir)
				return -1;
			grown = reallocarray(*store, *nstore + 1, sizeof(**store));
			if (!grown) {
				free(dir);
				return -1;
			}
			*store = grown;
			(*store)[(*nstore)++] = dir;
			if (search_add(s, dir) != 0)
				return -1;
		}
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

/* Does ld.so accept path as a candidate: a regular file whose ELF header
 * has the host's class and machine? */
static int candidate_ok(const char *path)
{
	unsigned char h[sizeof(Elf64_Ehdr)];
	boxed_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	Elf64_Half machine;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return 0;
	if (memcmp(h, ELFMAG, SELFMAG) != 0 || h[EI_CLASS] != HOST_CLASS || h[EI_DATA] != HOST_DATA)
		return 0;
	memcpy(&machine, h + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
	return machine == HOST_MACHINE;
}

static int dir_exists(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

struct walk {
	struct audit *a;
	const char *exe_rpath; /* the executable's DT_RPATH, inherited by its libraries */
	char **names;	       /* sonames already resolved: ld.so loads each once */
	size_t n_names;
	char **queue; /* resolved paths still to audit */
	size_t n_queue, done;
	char *cache; /* /etc/ld.so.cache, NULL when unusable */
	size_t cache_size;
	int cache_read;
};

static int seen_name(struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->n_names; i++)
		if (strcmp(w->names[i], name) == 0)
			return 1;
	return 0;
}

static int remember(char ***vec, size_t *n, const char *s)
{
	char *copy = strdup(s);
	char **grown;

	if (!copy)
		return -1;
	grown = reallocarray(*vec, *n + 1, sizeof(**vec));
	if (!grown) {
		free(copy);
		return -1;
	}
	grown[(*n)++] = copy;
	*vec = grown;
	return 0;
}

/* The trust rule for anything ld.so will map into the process. */
static int judge_trusted(struct walk *w, const char *what, const char *from, const char *path)
{
	char err[512];

	if (boxed_check_trusted_path(path, err, sizeof(err)) == 0)
		return 0;
	note(w->a, BOXED_SEV_ERROR, "needed", "%s %s (needed by %s): %s", what, path, from, err);
	return 1;
}

/* Find name in dir the way ld.so does: hwcaps subdirectories first. A
 * directory ld.so searches and finds nothing in still must not be
 * writable by others, or a library planted there wins next time. */
static int try_dir(struct walk *w, const char *from, const char *dir, const char *name, char *found,
		   size_t foundlen, int *bad)
{
	char path[PATH_MAX];

	if (!dir_exists(dir))
		return 0;
	for (size_t h = 0; host_hwcaps[h]; h++) {
		snprintf(path, sizeof(path), "%s/glibc-hwcaps/%s/%s", dir, host_hwcaps[h], name);
		if (candidate_ok(path)) {
			snprintf(found, foundlen, "%s", path);
			return 1;
		}
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
	    candidate_ok(path)) {
		snprintf(found, foundlen, "%s", path);
		return 1;
	}
	if (boxed_check_trusted_path(dir, path, sizeof(path)) != 0) {
		note(w->a, BOXED_SEV_ERROR, "needed",
		     "%s needs %s; ld.so first searches %s, where another user could plant it: %s",
		     from, name, dir, path);
		*bad = 1;
	}
	return 0;
}

static uint32_t cache_u32(const struct walk *w, size_t off)
{
	uint32_t v;

	memcpy(&v, w->cache + off, sizeof(v));
	return v;
}

/* Load the cache once per audit; a cache ld.so would refuse (wrong magic,
 * short, entries past the end) is left unused, as ld.so leaves it. The
 * cache decides which file is loaded, so it must be trusted itself. */
static void cache_load(struct walk *w, int *bad)
{
	char err[512];
	boxed_autoclose int fd = -1;

	if (w->cache_read)
		return;
	w->cache_read = 1;
	fd = open(LD_SO_CACHE, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	if (read_image(fd, &w->cache, &w->cache_size, err, sizeof(err)) != 0)
		return;
	if (w->cache_size < CACHE_HEADER_SIZE || w->cache_size > LD_SO_CACHE_MAX ||
	    memcmp(w->cache, LD_SO_CACHE_MAGIC, strlen(LD_SO_CACHE_MAGIC)) != 0 ||
	    cache_u32(w, 20) > (w->cache_size - CACHE_HEADER_SIZE) / CACHE_ENTRY_SIZE) {
		free(w->cache);
		w->cache = NULL;
		return;
	}
	*bad |= judge_trusted(w, "loader cache", "ld.so", LD_SO_CACHE);
}

/* A NUL-terminated string at off inside the cache, or NULL. */
static const char *cache_string(const struct walk *w, uint32_t off)
{
	if (off >= w->cache_size || !memchr(w->cache + off, '\0', w->cache_size - off))
		return NULL;
	return w->cache + off;
}

/* Every cache entry for name that ld.so would accept on this host: the
 * first that is a usable candidate is what loads (into found); all of
 * them are judged. Returns 1 when found. */
static int try_cache(struct walk *w, const char *from, const char *name, char *found,
		     size_t foundlen, int *bad)
{
	uint32_t nlibs;
	int hit = 0;

	cache_load(w, bad);
	if (!w->cache)
		return 0;
	nlibs = cache_u32(w, 20);
	for (uint32_t i = 0; i < nlibs; i++) {
		size_t e = CACHE_HEADER_SIZE + (size_t)i * CACHE_ENTRY_SIZE;
		const char *key, *value;

		if ((int32_t)cache_u32(w, e) != HOST_CACHE_FLAGS)
			continue;
		key = cache_string(w, cache_u32(w, e + 4));
		value = cache_string(w, cache_u32(w, e + 8));
		if (!key || !value || strcmp(key, name) != 0 || !candidate_ok(value))
			continue;
		if (!hit)
			snprintf(found, foundlen, "%s", value);
		else if (strcmp(found, value) != 0)
			*bad |= judge_trusted(w, "library", from, value);
		hit = 1;
	}
	return hit;
}

/* ld.so's order: the object's RPATH/RUNPATH, the cache, the defaults. */
static int find_library(struct walk *w, const char *from, const char *name, const struct search *s,
			char *found, size_t foundlen, int *bad)
{
	size_t i;

	for (i = 0; i < s->n_object; i++)
		if (try_dir(w, from, s->dirs[i], name, found, foundlen, bad))
			return 1;
	if (try_cache(w, from, name, found, foundlen, bad))
		return 1;
	for (; i < s->n; i++)
		if (try_dir(w, from, s->dirs[i], name, found, foundlen, bad))
			return 1;
	return 0;
}

static void resolve_one(struct walk *w, const char *from, const char *name, const struct search *s,
			int *bad)
{
	char found[PATH_MAX];

	if (seen_name(w, name))
		return;
	if (remember(&w->names, &w->n_names, name) != 0) {
		note(w->a, BOXED_SEV_ERROR, "needed", "out of memory");
		*bad = 1;
		return;
	}
	if (strchr(name, '/')) {
		/* ld.so opens a name with a slash as it is, relative to the cwd. */
		if (name[0] != '/') {
			note(w->a, BOXED_SEV_ERROR, "needed",
			     "%s needs \"%s\", a relative path: the current directory chooses it",
			     from, name);
			*bad = 1;
			return;
		}
		snprintf(found, sizeof(found), "%s", name);
	} else if (!find_library(w, from, name, s, found, sizeof(found), bad)) {
		note(w->a, BOXED_SEV_ERROR, "needed",
		     "%s needs %s, which the loader would not find on this host", from, name);
		*bad = 1;
		return;
	}
	*bad |= judge_trusted(w, "library", from, found);
	if (w->n_queue < ELF_MAX_LIBS && remember(&w->queue, &w->n_queue, found) != 0) {
		note(w->a, BOXED_SEV_ERROR, "needed", "out of memory");
		*bad = 1;
	}
}

/* The search list of one object: its RUNPATH, or else its RPATH and the
 * executable's, then the defaults. */
static void resolve_all(struct walk *w, const char *from, const struct image *im, int *bad)
{
	struct search s = {0};
	char **store = NULL;
	size_t nstore = 0;
	int oom = 0;

	if (im->n_runpath) {
		oom |= search_add_path(&s, im->runpath[im->n_runpath - 1], &store, &nstore);
	} else {
		if (im->n_rpath)
			oom |= search_add_path(&s, im->rpath[im->n_rpath - 1], &store, &nstore);
		if (w->exe_rpath)
			oom |= search_add_path(&s, w->exe_rpath, &store, &nstore);
	}
	s.n_object = s.n;
	for (size_t i = 0; host_libdirs[i]; i++)
		oom |= search_add(&s, host_libdirs[i]);
	if (oom) {
		note(w->a, BOXED_SEV_ERROR, "needed", "out of memory");
		*bad = 1;
	} else {
		for (size_t i = 0; i < im->n_needed; i++)
			resolve_one(w, from, im->needed[i], &s, bad);
	}
	for (size_t i = 0; i < nstore; i++)
		free(store[i]);
	free(store);
	free(s.dirs);
}

/* What a library does to the process it is loaded into: ld.so makes the
 * whole stack executable for a library that asks (or says nothing), and
 * text relocations or a W+X segment in it are W+X memory in the process. */
static void judge_library_image(struct walk *w, const char *path, const struct image *im)
{
	const GElf_Phdr *stack = find_phdr(im, PT_GNU_STACK);

	if (!stack || (stack->p_flags & PF_X))
		note(w->a, BOXED_SEV_ERROR, "nx-stack",
		     "library %s %s: ld.so would make the process's stack executable", path,
		     stack ? "asks for an executable stack" : "has no PT_GNU_STACK");
	if (im->textrel)
		note(w->a, BOXED_SEV_ERROR, "textrel", "library %s has text relocations", path);
	for (size_t i = 0; i < im->phnum; i++)
		if (im->phdr[i].p_type != PT_GNU_STACK &&
		    (im->phdr[i].p_flags & (PF_W | PF_X)) == (PF_W | PF_X))
			note(w->a, BOXED_SEV_ERROR, "wx-segment",
			     "library %s: program header %zu is writable and executable", path, i);
}

/* Audit one library of the graph: it must parse, and its own DT_NEEDED
 * are resolved in turn. */
static void walk_library(struct walk *w, const char *path, int *bad)
{
	char err[512], *buf = NULL;
	struct image im = {0};
	size_t size;
	boxed_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		note(w->a, BOXED_SEV_ERROR, "needed", "%s: %s", path, strerror(errno));
		*bad = 1;
		return;
	}
	if (read_image(fd, &buf, &size, err, sizeof(err)) != 0 ||
	    image_open(&im, buf, size, err, sizeof(err)) != 0 ||
	    image_parse(&im, err, sizeof(err)) != 0) {
		note(w->a, BOXED_SEV_ERROR, "needed", "library %s is malformed: %s", path, err);
		*bad = 1;
	} else {
		judge_library_image(w, path, &im);
		resolve_all(w, path, &im, bad);
	}
	image_free(&im);
	free(buf);
}

static void check_needed(struct audit *a, const struct image *im)
{
	struct walk w = {.a = a};
	int bad = 0;

	if (im->n_runpath == 0 && im->n_rpath)
		w.exe_rpath = im->rpath[im->n_rpath - 1];
	if (im->interp && im->interp[0] != '/') {
		/* The kernel opens PT_INTERP relative to the caller's cwd. */
		note(a, BOXED_SEV_ERROR, "needed",
		     "program interpreter \"%s\" is a relative path: the current directory "
		     "chooses it",
		     im->interp);
		bad = 1;
	} else if (im->interp) {
		bad |= judge_trusted(&w, "program interpreter", a->subject, im->interp);
	}
	resolve_all(&w, a->subject, im, &bad);
	for (w.done = 0; w.done < w.n_queue; w.done++)
		walk_library(&w, w.queue[w.done], &bad);
	if (!bad)
		note(
		    a, BOXED_SEV_OK, "needed",
		    "%zu libraries and the program interpreter: root-owned, not writable by others",
		    w.n_queue);
	for (size_t i = 0; i < w.n_names; i++)
		free(w.names[i]);
	for (size_t i = 0; i < w.n_queue; i++)
		free(w.queue[i]);
	free(w.names);
	free(w.queue);
	free(w.cache);
}

/* buf is private to the audit (libelf may be handed it writable). */
static enum boxed_severity audit_buffer(char *buf, size_t size, const char *subject, unsigned flags,
					struct boxed_findings *out)
{
	struct audit a = {.subject = subject, .flags = flags, .out = out, .worst = BOXED_SEV_OK};
	struct image im;
	char err[512];

	if (image_open(&im, buf, size, err, sizeof(err)) != 0) {
		note(&a, BOXED_SEV_ERROR, "elf", "%s", err);
		goto done;
	}
	check_class(&a, &im);
	if (!host_class(&im.ehdr))
		goto done;
	if (image_parse(&im, err, sizeof(err)) != 0) {
		note(&a, BOXED_SEV_ERROR, "elf", "malformed: %s", err);
		goto done;
	}
	note(&a, BOXED_SEV_OK, "elf", "well-formed ELF object");
	check_machine(&a, &im);
	check_type(&a, &im);
	check_pie(&a, &im);
	check_relro(&a, &im);
	check_bindnow(&a, &im);
	check_nx_stack(&a, &im);
	check_wx(&a, &im);
	check_textrel(&a, &im);
	check_rpath(&a, &im);
	if (!(flags & BOXED_ELF_NO_NEEDED))
		check_needed(&a, &im);
done:
	image_free(&im);
	return a.worst;
}

enum boxed_severity boxed_elf_audit_mem(const void *image, size_t size, const char *subject,
					unsigned flags, struct boxed_findings *out)
{
	enum boxed_severity worst;
	char *copy;

	if (size > ELF_MAX_IMAGE) {
		boxed_findings_add(out, BOXED_SEV_ERROR, "elf", subject, "larger than %zu bytes",
				   ELF_MAX_IMAGE);
		return BOXED_SEV_ERROR;
	}
	copy = malloc(size ? size : 1);
	if (!copy) {
		boxed_findings_add(out, BOXED_SEV_ERROR, "elf", subject, "out of memory");
		return BOXED_SEV_ERROR;
	}
	if (size)
		memcpy(copy, image, size);
	worst = audit_buffer(copy, size, subject, flags, out);
	free(copy);
	return worst;
}

enum boxed_severity boxed_elf_audit_fd(int fd, const char *subject, unsigned flags,
				       struct boxed_findings *out)
{
	enum boxed_severity worst;
	char err[512], *buf;
	size_t size;

	if (read_image(fd, &buf, &size, err, sizeof(err)) != 0) {
		boxed_findings_add(out, BOXED_SEV_ERROR, "elf", subject, "%s", err);
		return BOXED_SEV_ERROR;
	}
	worst = audit_buffer(buf, size, subject, flags, out);
	free(buf);
	return worst;
}

int boxed_elf_is_elf(int fd)
{
	unsigned char ident[EI_NIDENT];
	struct image im;
	char err[256], *buf;
	size_t size;
	int ok;

	if (pread(fd, ident, sizeof(ident), 0) != (ssize_t)sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0)
		return 0;
	if (read_image(fd, &buf, &size, err, sizeof(err)) != 0)
		return 0;
	ok = image_open(&im, buf, size, err, sizeof(err)) == 0;
	image_free(&im);
	free(buf);
	return ok;
}
