# boxed: one plain Makefile. Every dependency is found through pkg-config.
#
#   make                 build the programs into $(BUILD)
#   make check           every test (unit, sanitizers, ELF audit, integration)
#   make setup           build, install, run boxed-setup install, show a run
#   make install         DESTDIR= PREFIX= (packagers)
#   make fuzz            run the ELF-audit fuzzer for a bounded time
#   make check-valgrind  unit tests under valgrind
#   make check-packages  build, install, upgrade and remove the .deb and .rpm
#   make bench           the benchmarks of bench/

# The one source of the version: the C programs, the Python package (through
# python/boxed/VERSION, a link to it), the .rpm's spec (made by make dist)
# and debian/changelog (checked by tests/version) all take it from there.
VERSION := $(strip $(file < $(dir $(lastword $(MAKEFILE_LIST)))VERSION))

# Installation layout. PREFIX=/usr is the distribution layout of
# BLUEPRINT §3; any other prefix (make setup uses /usr/local) gets its own
# config, state directory and uid range, so it can sit beside the package.
PREFIX ?= /usr/local
ifeq ($(PREFIX),/usr)
SYSCONFDIR ?= /etc
STATEDIR ?= /var/lib/boxed
SLOT_UID_BASE ?= 1879048192
PYTHONDIR ?= $(PREFIX)/lib/python3/dist-packages
else
SYSCONFDIR ?= $(PREFIX)/etc
STATEDIR ?= /var/lib/boxed-local
SLOT_UID_BASE ?= 1879113728
PYTHONDIR ?= $(PREFIX)/lib/python3.$(shell /usr/bin/python3 -c 'import sys; print(sys.version_info[1])' 2>/dev/null || echo 11)/dist-packages
endif
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
PKGLIBDIR ?= $(PREFIX)/lib/boxed
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/boxed
SLOT_COUNT ?= 128
BOXED_GROUP ?= boxed
DESTDIR ?=

BUILD ?= build
PKGS := libcap libelf libcjson libseccomp libmd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The runner, the only privileged binary, loads as few shared libraries as
# it can: each costs every run the loader's time. libcap is linked in from
# its static archive (Debian's libcap-dev ships it; the packages record it
# in Built-Using), and the seccomp filter is compiled at build time
# (tools/seccomp-gen), so only libc and libcjson are loaded.
LIBS_boxed-run := -Wl,-Bstatic $(shell pkg-config --static --libs libcap 2>/dev/null) \
	-Wl,-Bdynamic $(shell pkg-config --libs libcjson 2>/dev/null)
SECCOMP_LIBS := $(shell pkg-config --libs libseccomp 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

CC ?= cc
HARDEN_CFLAGS := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE \
	-fstack-clash-protection -fcf-protection
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
WARN_CFLAGS := -Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wshadow -Wvla
OPT_CFLAGS ?= -O2 -g
SAN_CFLAGS ?=
CFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE $(OPT_CFLAGS) $(WARN_CFLAGS) $(HARDEN_CFLAGS) \
	$(SAN_CFLAGS) -Ilib -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(HARDEN_LDFLAGS) $(SAN_CFLAGS) -Wl,--as-needed $(LDFLAGS)

# The layout is compiled in: no input from a caller of the privileged runner
# chooses a path (BLUEPRINT §2, "who may do what").
LAYOUT_DEFS := -DBOXED_VERSION='"$(VERSION)"' \
	-DBOXED_BINDIR='"$(BINDIR)"' -DBOXED_SBINDIR='"$(SBINDIR)"' \
	-DBOXED_PKGLIBDIR='"$(PKGLIBDIR)"' \
	-DBOXED_CONFIG_PATH='"$(SYSCONFDIR)/boxed/boxed.json"' \
	-DBOXED_STATEDIR='"$(STATEDIR)"' \
	-DBOXED_DEFAULT_GROUP='"$(BOXED_GROUP)"' \
	-DBOXED_DEFAULT_UID_BASE=$(SLOT_UID_BASE)u \
	-DBOXED_DEFAULT_SLOT_COUNT=$(SLOT_COUNT)u

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
PROGRAMS := boxed-setup boxed-run boxed-selftest
PROGRAM_DIRS := installer runner selftest
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELPER_SRCS := $(filter-out $(UNIT_SRCS),$(wildcard tests/unit/*.c))

.PHONY: all check check-unit check-sanitize check-valgrind check-elf format format-check \
	check-integration check-version check-packages install uninstall setup fuzz \
	bench need-libs clean dist deb rpm

MAN_PAGES := $(BUILD)/man/boxed-run.1 $(BUILD)/man/boxed-setup.8 \
	$(BUILD)/man/boxed-selftest.8

all: $(PROGRAMS:%=$(BUILD)/%) $(MAN_PAGES)

# -MMD: each object also depends on the headers it includes (a program's
# own, the generated filter), as the compiler lists them in a .d file; and
# on a stamp holding the compile command, rewritten only when it changes
# (another PREFIX, other flags), so that no object keeps an old layout.
FLAGS_STAMP := $(BUILD)/flags.stamp
FLAGS_TEXT := $(CC) $(CFLAGS_ALL) $(LAYOUT_DEFS)
ifneq ($(file < $(FLAGS_STAMP)),$(FLAGS_TEXT))
$(shell mkdir -p $(BUILD))
$(file > $(FLAGS_STAMP),$(FLAGS_TEXT))
endif

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | need-libs
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LAYOUT_DEFS) -MMD -MP -c -o $@ $<

ALL_SRCS := $(LIB_SRCS) $(foreach d,$(PROGRAM_DIRS) tools,$(wildcard $(d)/*.c)) \
	$(UNIT_HELPER_SRCS)
-include $(ALL_SRCS:%.c=$(BUILD)/%.d) $(UNIT_BINS:%=%.d)

$(BUILD)/libboxed.a: $(LIB_OBJS)
	ar rcs $@ $^

# A program is its main.c plus an archive of its other files, so unit tests
# can link a program's logic without its main().
define program_rule
$(BUILD)/$(2).a: $$(patsubst %.c,$(BUILD)/%.o,$$(filter-out $(2)/main.c,$$(sort $$(wildcard $(2)/*.c))))
	@rm -f $$@
	ar rcs $$@ $$^
$(BUILD)/$(1): $(BUILD)/$(2)/main.o $(BUILD)/$(2).a $(BUILD)/libboxed.a
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$^ $$(or $$(LIBS_$(1)),$$(PKG_LIBS))
endef
$(eval $(call program_rule,boxed-setup,installer))
$(eval $(call program_rule,boxed-run,runner))
$(eval $(call program_rule,boxed-selftest,selftest))
PROGRAM_ARCHIVES := $(PROGRAM_DIRS:%=$(BUILD)/%.a)

# The runner's seccomp filter: runner/filter.c's rules, compiled to BPF by
# libseccomp on the build host (so the build must be native).
SECCOMP_FILTER := $(BUILD)/gen/seccomp-filter.h
$(BUILD)/tools/seccomp-gen.o: CFLAGS_ALL += -Irunner
$(BUILD)/tools/seccomp-gen: $(BUILD)/tools/seccomp-gen.o $(BUILD)/runner/filter.o $(BUILD)/libboxed.a
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(SECCOMP_LIBS)
$(SECCOMP_FILTER): $(BUILD)/tools/seccomp-gen
	@mkdir -p $(dir $@)
	$< $@
$(BUILD)/runner/confine.o $(BUILD)/tests/test_run_filter: $(SECCOMP_FILTER)

# Each tests/unit/test_NAME.c is one Check binary; other .c files in
# tests/unit/ are helpers linked into all of them.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_HELPER_SRCS:%.c=$(BUILD)/%.o) $(PROGRAM_ARCHIVES) $(BUILD)/libboxed.a $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LAYOUT_DEFS) $(CHECK_CFLAGS) -Itests/unit -MMD -MP -MF $@.d \
		-o $@ $(filter-out %.h %.stamp,$^) \
		$(LDFLAGS_ALL) $(PKG_LIBS) $(CHECK_LIBS)

# The ELF-audit fixtures, and the rule that gives their test their path.
include tests/fixtures/elf/fixtures.mk

# A build installs nothing: a missing library is named, with the command
# that installs it. Only make setup and make check (and check-packages,
# bench) install what they need, through scripts/install-deps; a
# packager's build (debian/rules, the spec) never touches the system.
need-libs:
	@pkg-config --exists $(PKGS) || { pkg-config --print-errors --exists $(PKGS); \
		echo "boxed: build dependencies are missing (above); on Debian, as root:" \
			"scripts/install-deps build" >&2; exit 1; }

# The man pages name the paths of this build's layout (PREFIX, SYSCONFDIR,
# STATEDIR) and its version; the sources name the package's.
$(BUILD)/man/%: man/% VERSION $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	sed -e 's|/etc/boxed/boxed\.json|$(SYSCONFDIR)/boxed/boxed.json|g' \
		-e 's|/var/lib/boxed\b|$(STATEDIR)|g' \
		-e 's|/usr/lib/boxed\b|$(PKGLIBDIR)|g' \
		-e 's|/usr/bin/boxed-run\b|$(BINDIR)/boxed-run|g' \
		-e 's|/usr/bin/boxed-selftest\b|$(BINDIR)/boxed-selftest|g' \
		-e 's|/usr/sbin/boxed-setup\b|$(SBINDIR)/boxed-setup|g' \
		-e '1s|"boxed [^"]*"|"boxed $(VERSION)"|' $< >$@.tmp
	mv $@.tmp $@

# make check installs what testing needs, and nothing more.
check:
	@scripts/install-deps --check build test >/dev/null 2>&1 || scripts/install-deps build test
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory format-check check-version check-unit check-sanitize \
		check-elf check-integration
	@echo "make check: all test stages passed"

# Every place that states the version agrees with the file VERSION.
check-version: all
	@tests/version $(BUILD)

check-unit: $(UNIT_BINS)
	@tests/run-unit $(UNIT_BINS)

# The unit tests again, under AddressSanitizer and UBSan, in their own tree.
check-sanitize:
	@$(MAKE) --no-print-directory BUILD=build/asan \
		SAN_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' \
		OPT_CFLAGS='-O1 -g' check-unit

# test_run_filter is left out: valgrind does not emulate seccomp(2), which
# is what that test exercises (it runs, as the others, under ASan/UBSan).
check-valgrind: $(UNIT_BINS)
	@echo "check-valgrind: test_run_filter skipped (valgrind has no seccomp(2))"
	@VALGRIND=1 tests/run-unit $(filter-out %/test_run_filter,$(UNIT_BINS))

# The project's own binaries must pass the project's own ELF audit.
check-elf: all elf-fixtures
	$(BUILD)/boxed-setup audit-elf $(PROGRAMS:%=$(BUILD)/%)
	tests/elf-peers $(BUILD)

check-integration: all
	@tests/integration/run

check-packages:
	@scripts/install-deps --check build packaging >/dev/null 2>&1 || \
		scripts/install-deps build packaging
	@tests/packages/run

fuzz:
	@$(MAKE) --no-print-directory -f fuzz/fuzz.mk BUILD=build/fuzz run

bench: all
	@scripts/install-deps --check bench >/dev/null 2>&1 || scripts/install-deps bench
	@bench/run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PKGLIBDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(PYTHONDIR)/boxed
	install -m 0755 $(BUILD)/boxed-setup $(DESTDIR)$(SBINDIR)/boxed-setup
	install -m 0755 $(BUILD)/boxed-selftest $(DESTDIR)$(BINDIR)/boxed-selftest
	# The runner ships 0750 and without capabilities; boxed-setup gives it
	# root:$(BOXED_GROUP) and cap_setuid,cap_setgid on the audited fd.
	install -m 0750 $(BUILD)/boxed-run $(DESTDIR)$(BINDIR)/boxed-run
	install -m 0644 python/bootstrap/boxed_bootstrap.py $(DESTDIR)$(PKGLIBDIR)/bootstrap.py
	install -m 0644 python/bootstrap/bootstrap_main.py $(DESTDIR)$(PKGLIBDIR)/bootstrap_main.py
	# The sandbox cannot write a bytecode cache: compiled here, once.
	/usr/bin/python3 -I -S -c 'import py_compile as p, sys; p.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True, invalidation_mode=p.PycInvalidationMode.UNCHECKED_HASH)' \
		$(DESTDIR)$(PKGLIBDIR)/bootstrap_main.py $(DESTDIR)$(PKGLIBDIR)/bootstrap_main.pyc \
		$(PKGLIBDIR)/bootstrap_main.py
	chmod 0644 $(DESTDIR)$(PKGLIBDIR)/bootstrap_main.pyc
	install -m 0644 $(BUILD)/man/boxed-run.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/man/boxed-setup.8 $(BUILD)/man/boxed-selftest.8 \
		$(DESTDIR)$(MANDIR)/man8/
	install -m 0644 python/boxed/*.py $(DESTDIR)$(PYTHONDIR)/boxed/
	# A copy of the link's target: boxed/_version.py reads it.
	install -m 0644 python/boxed/VERSION $(DESTDIR)$(PYTHONDIR)/boxed/VERSION
	printf 'RUNNER = "%s"\n' '$(BINDIR)/boxed-run' > $(DESTDIR)$(PYTHONDIR)/boxed/_installed.py

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/boxed-setup $(DESTDIR)$(BINDIR)/boxed-selftest \
		$(DESTDIR)$(BINDIR)/boxed-run $(DESTDIR)$(PKGLIBDIR)/bootstrap.py \
		$(DESTDIR)$(PKGLIBDIR)/bootstrap_main.py $(DESTDIR)$(PKGLIBDIR)/bootstrap_main.pyc \
		$(DESTDIR)$(MANDIR)/man1/boxed-run.1 $(DESTDIR)$(MANDIR)/man8/boxed-selftest.8 \
		$(DESTDIR)$(MANDIR)/man8/boxed-setup.8
	rm -rf $(DESTDIR)$(PYTHONDIR)/boxed
	-rmdir $(DESTDIR)$(PKGLIBDIR) 2>/dev/null

# The first of the README's two commands. It installs what building and
# running boxed need (the build set), not the test or packaging tools.
setup:
	@scripts/install-deps --check build >/dev/null 2>&1 || scripts/install-deps build
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory install
	@scripts/setup-host $(SBINDIR) $(BINDIR) $(PYTHONDIR)

dist:
	@scripts/make-dist $(VERSION)

# The package builds, like any build, install nothing: scripts/install-deps
# packaging (as root) installs their tools.
deb:
	@scripts/make-deb

rpm:
	@scripts/make-rpm

# Every C file of the tree, in the house style of .clang-format.
FORMAT_SRCS = $(sort $(wildcard lib/*.[ch] installer/*.[ch] runner/*.[ch] selftest/*.[ch] \
	tools/*.c fuzz/*.c bench/*.c tests/unit/*.[ch] tests/integration/*.c))

format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_SRCS)
	@echo "format-check: $(words $(FORMAT_SRCS)) files as .clang-format has them"

clean:
	rm -rf build
