# The fuzzers: make -f fuzz/fuzz.mk BUILD=build/fuzz run (the top-level
# `make fuzz`). Each runs for FUZZ_SECONDS under ASan and UBSan: the ELF
# audit, and the ld.so.cache parser under it. A crash leaves its input as
# $(BUILD)/crash-* and fails the target.

BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_CC ?= clang
FUZZ_SEEDS := /usr/bin/python3.11

# Only what each target needs; compiled with the fuzzer's instrumentation.
FUZZ_LIB_ldcache := lib/ldcache.c lib/fsutil.c lib/die.c
FUZZ_LIB_elfaudit := lib/elfaudit.c lib/elfimage.c lib/ldsearch.c lib/findings.c \
	$(FUZZ_LIB_ldcache)
FUZZ_TARGETS := elfaudit ldcache
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Ilib $(shell pkg-config --cflags libelf libcjson)
FUZZ_LIBS := $(shell pkg-config --libs libelf libcjson)

.PHONY: run build seeds

run: $(FUZZ_BINS) seeds
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
			-artifact_prefix=$(BUILD)/ -print_final_stats=1 $(BUILD)/corpus-$$t; \
	done

build: $(FUZZ_BINS)

$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_elfaudit) $(wildcard lib/*.h) fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_$*) $(FUZZ_LIBS)

# Seeds: for the ELF audit, its fixtures (each fails one check) and the
# distro interpreter, the fixtures from the main Makefile, in this BUILD;
# for the cache parser, this host's cache.
seeds:
	@$(MAKE) --no-print-directory BUILD=$(BUILD) elf-fixtures >/dev/null
	@mkdir -p $(BUILD)/corpus-elfaudit $(BUILD)/corpus-ldcache
	@for f in $(BUILD)/fixtures/elf/* $(FUZZ_SEEDS); do \
		[ -f "$$f" ] && cp -f "$$f" $(BUILD)/corpus-elfaudit/seed-$$(basename $$f); \
	done; true
	@[ -f /etc/ld.so.cache ] && cp -f /etc/ld.so.cache $(BUILD)/corpus-ldcache/seed-ld.so.cache; true
