/* libFuzzer target: any byte string handed to the ELF audit must end in
 * findings, never in a crash or an out-of-bounds access (ASan, UBSan). */
#include <stddef.h>
#include <stdint.h>

#include "elfaudit.h"
#include "findings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const int boxed_die_status = 99;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boxed_findings f = {0};
	enum boxed_severity worst;

	/* DT_NEEDED resolution reads the host's files, not the input. */
	worst =
	    boxed_elf_audit_mem(data, size, "fuzz", BOXED_ELF_NO_NEEDED | BOXED_ELF_RECORD_OK, &f);
	if (worst != boxed_findings_worst(&f) || f.count == 0)
		__builtin_trap();
	boxed_findings_free(&f);
	return 0;
}
