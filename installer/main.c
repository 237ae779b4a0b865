/* boxed-setup: install, audit and remove boxed's privileged runner and its
 * pinned interpreter. See boxed-setup(8). */
#include <stdlib.h>

#include "audit_elf.h"
#include "setup.h"

const int boxed_die_status = BOXED_SETUP_EXIT_FAIL;

int main(int argc, char **argv)
{
	struct boxed_setup_args a;

	boxed_setup_parse_args(argc, argv, &a);
	switch (a.cmd) {
	case BOXED_SETUP_INSTALL:
		return boxed_setup_install(&a);
	case BOXED_SETUP_AUDIT:
		return boxed_setup_audit(&a);
	case BOXED_SETUP_STATUS:
		return boxed_setup_status(&a);
	case BOXED_SETUP_UNINSTALL:
		return boxed_setup_uninstall(&a);
	case BOXED_SETUP_MIGRATE_LEGACY:
		return boxed_setup_migrate_legacy(&a);
	case BOXED_SETUP_AUDIT_ELF:
		return boxed_setup_audit_elf(a.sub_argc, a.sub_argv);
	}
	return BOXED_SETUP_EXIT_FAIL;
}
