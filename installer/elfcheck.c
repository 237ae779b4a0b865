/* The ELF checks install and audit make: is --python an executable for
 * this host at all, and the ELF audit as each file is weighed (the
 * runner's findings at their own severity, the interpreter's hardening
 * findings as facts). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "die.h"
#include "elfaudit.h"
#include "elfimage.h"
#include "fsutil.h"
#include "setup.h"

/* Read the way the ELF audit reads it (lib/elfimage.h), so both agree on
 * what the file is; the messages say what --python names instead. */
int boxed_setup_check_host_elf(int fd, char *err, size_t errlen)
{
	struct boxed_elf_image im = {0};
	boxed_autofree char *buf = NULL;
	char why[256];
	size_t size;
	int rc = 0;

	if (boxed_elf_read_file(fd, &buf, &size, err, errlen) != 0)
		return -1;
	if (boxed_elf_image_open(&im, buf, size, why, sizeof(why)) != 0)
		rc = boxed_errf(err, errlen, "not an ELF executable (a script or a data file?)");
	else if (!boxed_elf_host_class(&im.ehdr))
		rc = boxed_errf(
		    err, errlen,
		    "ELF class %d, byte order %d; this host runs class %d, byte order %d",
		    im.ehdr.e_ident[EI_CLASS], im.ehdr.e_ident[EI_DATA], BOXED_ELF_HOST_CLASS,
		    BOXED_ELF_HOST_DATA);
	else if (im.ehdr.e_machine != BOXED_ELF_HOST_MACHINE)
		rc = boxed_errf(err, errlen, "ELF machine %d, this host is machine %d",
				im.ehdr.e_machine, BOXED_ELF_HOST_MACHINE);
	else if (boxed_elf_image_parse(&im, why, sizeof(why)) != 0)
		rc = boxed_errf(err, errlen, "a malformed ELF file: %s", why);
	/* A shared library is ET_DYN too; an executable one has an
	 * interpreter (or is ET_EXEC). */
	else if (im.ehdr.e_type != ET_EXEC && !(im.ehdr.e_type == ET_DYN && im.interp))
		rc = boxed_errf(err, errlen, "an ELF file, but not an executable (type %d)",
				im.ehdr.e_type);
	boxed_elf_image_free(&im);
	return rc;
}

/* The runner holds capabilities: every hardening finding counts at the
 * severity the ELF audit gives it. */
enum boxed_severity boxed_setup_audit_runner_elf(int fd, const char *subject, unsigned flags,
						 struct boxed_findings *out)
{
	return boxed_elf_audit_fd(fd, subject, flags, out);
}

enum boxed_severity boxed_setup_audit_interpreter_elf(int fd, const char *subject, unsigned flags,
						      struct boxed_findings *out)
{
	static const char *const soft[] = {"pie", "relro", "bindnow"};
	struct boxed_findings raw = {0};
	enum boxed_severity worst = BOXED_SEV_OK;

	boxed_elf_audit_fd(fd, subject, flags, &raw);
	for (size_t i = 0; i < raw.count; i++) {
		struct boxed_finding *it = &raw.items[i];
		enum boxed_severity sev = it->severity;
		const char *advice = strrchr(it->message, ';');
		size_t k = 0;

		while (k < sizeof(soft) / sizeof(soft[0]) && strcmp(it->check, soft[k]) != 0)
			k++;
		if (k == sizeof(soft) / sizeof(soft[0]) || sev <= BOXED_SEV_INFO) {
			if (sev > worst)
				worst = sev;
			boxed_findings_add(out, sev, it->check, it->subject, "%s", it->message);
			continue;
		}
		/* These defend a privileged process against memory corruption.
		 * The interpreter holds no privilege and runs the untrusted code
		 * by design, and the admin cannot rebuild the distribution's
		 * Python: a fact, without the build advice. A warning that is
		 * always there would teach admins to ignore warnings. */
		if (BOXED_SEV_INFO > worst)
			worst = BOXED_SEV_INFO;
		boxed_findings_add(
		    out, BOXED_SEV_INFO, it->check, it->subject,
		    "%.*s (informational: the interpreter carries no capability; "
		    "the privileged runner must pass this check)",
		    (int)(advice ? (size_t)(advice - it->message) : strlen(it->message)),
		    it->message);
	}
	boxed_findings_free(&raw);
	return worst;
}
