/* One ELF object as the kernel and ld.so see it, on libelf: the parser
 * under the ELF audit (elfaudit.h), which judges what it returns.
 *
 * Only the ELF header and the program headers are trusted to describe the
 * file: the kernel maps PT_LOAD, honours PT_GNU_STACK and PT_INTERP, and
 * ld.so finds its dynamic array through PT_DYNAMIC and its strings through
 * DT_STRTAB, an address it maps back through PT_LOAD. Section headers are
 * never read: strip(1) and a crafted file can make them say anything.
 * Every offset and size from the file is checked before it is used.
 */
#ifndef BOXED_ELFIMAGE_H
#define BOXED_ELFIMAGE_H

#include <gelf.h>
#include <stddef.h>

/* The host's ELF identity: what the kernel runs and ld.so loads here. */
#if defined(__x86_64__)
#define BOXED_ELF_HOST_MACHINE EM_X86_64
#define BOXED_ELF_HOST_MACHINE_NAME "x86-64"
#elif defined(__aarch64__)
#define BOXED_ELF_HOST_MACHINE EM_AARCH64
#define BOXED_ELF_HOST_MACHINE_NAME "AArch64"
#else
#error "the ELF audit knows the loader of x86-64 and AArch64 only"
#endif
#define BOXED_ELF_HOST_CLASS ELFCLASS64
#define BOXED_ELF_HOST_DATA ELFDATA2LSB

/* Larger than any interpreter or library we would load; bounds malloc. */
#define BOXED_ELF_MAX_IMAGE ((size_t)1 << 30)

/* One object: header, program headers, and what its dynamic array says.
 * The strings point into the buffer the image was opened on. */
struct boxed_elf_image {
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t size;
	size_t phnum;
	GElf_Phdr *phdr;
	const char *interp; /* PT_INTERP, or NULL */
	int dynamic;	    /* a PT_DYNAMIC was found and read */
	int bind_now;	    /* DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW */
	int textrel;	    /* DT_TEXTREL or DF_TEXTREL */
	int df_1_pie;
	Elf_Data *strtab;
	/* Every DT_RPATH, DT_RUNPATH and DT_NEEDED string, in file order. */
	const char **rpath, **runpath, **needed;
	size_t n_rpath, n_runpath, n_needed;
};

/* Read the regular file open on fd whole (at most BOXED_ELF_MAX_IMAGE
 * bytes) into a malloc'd *buf, with pread: the caller's offset stays
 * where it was. Returns 0, or -1 with the reason in err. */
__attribute__((warn_unused_result)) int boxed_elf_read_file(int fd, char **buf, size_t *size,
							    char *err, size_t errlen);

/* Open the ELF header of buf[0..size) (which must outlive im and may be
 * written by libelf). Returns 0, or -1 with the reason in err; either
 * way, boxed_elf_image_free() releases im. */
__attribute__((warn_unused_result)) int boxed_elf_image_open(struct boxed_elf_image *im, char *buf,
							     size_t size, char *err, size_t errlen);

/* Read the program headers, PT_INTERP and the dynamic array of an opened
 * image of the host's class. Returns 0, or -1 with the reason in err. */
__attribute__((warn_unused_result)) int boxed_elf_image_parse(struct boxed_elf_image *im, char *err,
							      size_t errlen);

/* Release what im holds (not the buffer); im is empty afterwards. */
void boxed_elf_image_free(struct boxed_elf_image *im);

/* The first program header of this type, or NULL. */
const GElf_Phdr *boxed_elf_image_phdr(const struct boxed_elf_image *im, GElf_Word type);

/* Is the header of the host's class and byte order (the only ones the
 * parser reads further)? 1 or 0. */
int boxed_elf_host_class(const GElf_Ehdr *e);

/* Would ld.so take the file open on fd as a library: a regular file with
 * an ELF header of the host's class, byte order and machine? 1 or 0. */
int boxed_elf_host_object_fd(int fd);

#endif
