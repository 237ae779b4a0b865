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
