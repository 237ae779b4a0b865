/* The version string (version.h). */
#include "layout.h"
#include "version.h"

const char *boxed_version(void)
{
	return BOXED_VERSION;
}
