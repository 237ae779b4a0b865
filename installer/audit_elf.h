/* boxed-setup audit-elf [--json] [--verbose] FILE...: the ELF audit of
 * lib/elfaudit.h on any files, for check-elf and for administrators. */
#ifndef BOXED_SETUP_AUDIT_ELF_H
#define BOXED_SETUP_AUDIT_ELF_H

/* Run the subcommand; argv[0] is "audit-elf". Returns the exit status: 0
 * when no finding is above warning, 1 otherwise, 2 on a usage error. */
int boxed_setup_audit_elf(int argc, char **argv);

#endif
