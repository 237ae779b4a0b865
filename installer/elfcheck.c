#include <string.h>

#include "elfaudit.h"
#include "setup.h"

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

		/* These defend a privileged process against memory corruption;
		 * the interpreter holds no privilege and runs the untrusted
		 * code by design, so they do not decide its safety. */
		for (size_t k = 0; k < sizeof(soft) / sizeof(soft[0]); k++)
			if (strcmp(it->check, soft[k]) == 0 && sev > BOXED_SEV_WARNING)
				sev = BOXED_SEV_WARNING;
		if (sev > worst)
			worst = sev;
		boxed_findings_add(out, sev, it->check, it->subject, "%s", it->message);
	}
	boxed_findings_free(&raw);
	return worst;
}
