/* The installation layout, fixed when boxed is built (Makefile variables).
 *
 * None of these paths can be chosen by the caller of the privileged runner:
 * the config, the slot directory and the interpreter are found here, and
 * the files they name must be root-owned.
 */
#ifndef BOXED_LAYOUT_H
#define BOXED_LAYOUT_H

#if !defined(BOXED_VERSION) || !defined(BOXED_CONFIG_PATH) || !defined(BOXED_STATEDIR) ||          \
    !defined(BOXED_PKGLIBDIR) || !defined(BOXED_BINDIR) || !defined(BOXED_SBINDIR)
#error "build boxed through its Makefile, which defines the layout"
#endif

#define BOXED_RUNNER_PATH BOXED_BINDIR "/boxed-run"
#define BOXED_SETUP_PATH BOXED_SBINDIR "/boxed-setup"
#define BOXED_SELFTEST_PATH BOXED_BINDIR "/boxed-selftest"
#define BOXED_INTERPRETER_PATH BOXED_PKGLIBDIR "/python_boxed"
#define BOXED_BOOTSTRAP_PATH BOXED_PKGLIBDIR "/bootstrap.py"
#define BOXED_MANIFEST_PATH BOXED_STATEDIR "/manifest.json"
#define BOXED_SLOTS_DIR BOXED_STATEDIR "/slots"
#define BOXED_LOCKS_DIR BOXED_STATEDIR "/locks"
#define BOXED_SETUP_LOCK_PATH BOXED_STATEDIR "/setup.lock"

/* The interpreter the original boxed left behind with cap_setuid+ep. */
#define BOXED_LEGACY_INTERPRETER "/usr/bin/python_boxed"

#endif
