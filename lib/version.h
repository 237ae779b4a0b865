/* The version of boxed, as built. */
#ifndef BOXED_VERSION_H
#define BOXED_VERSION_H

/* A static string such as "0.1.0". */
const char *boxed_version(void);

#endif
