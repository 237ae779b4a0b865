# The ELF-audit fuzzer: make -f fuzz/fuzz.mk BUILD=build/fuzz run
# (the top-level `make fuzz`). Runs for FUZZ_SECONDS under ASan and UBSan;
# a crash leaves its input as $(BUILD)/crash-* and fails the target.

BUILD ?= build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 65536
FUZZ_CC ?= clang
FUZZ_BIN := $(BUILD)/fuzz_elfaudit
FUZZ_CORPUS := $(BUILD)/corpus
FUZZ_SEEDS := /usr/bin/python3.11

# Only what the audit needs; compiled with the fuzzer's instrumentation.
FUZZ_SRCS := fuzz/fuzz_elfaudit.c lib/elfaudit.c lib/findings.c lib/fsutil.c lib/die.c
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Ilib $(shell pkg-config --cflags libelf libcjson)
FUZZ_LIBS := $(shell pkg-config --libs libelf libcjson)

.PHONY: run build seeds

run: $(FUZZ_BIN) seeds
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
		-artifact_prefix=$(BUILD)/ -print_final_stats=1 $(FUZZ_CORPUS)

build: $(FUZZ_BIN)

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard lib/*.h) fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS) $(FUZZ_LIBS)

# Seeds: the ELF-audit fixtures (each fails one check) and the distro
# interpreter. The fixtures come from the main Makefile, in this BUILD.
seeds:
	@$(MAKE) --no-print-directory BUILD=$(BUILD) elf-fixtures >/dev/null
	@mkdir -p $(FUZZ_CORPUS)
	@for f in $(BUILD)/fixtures/elf/* $(FUZZ_SEEDS); do \
		[ -f "$$f" ] && cp -f "$$f" $(FUZZ_CORPUS)/seed-$$(basename $$f); \
	done; true
