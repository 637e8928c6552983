# kmdash: one entry point. `make help` lists what each target does.
.DEFAULT_GOAL := kmdash
SHELL := /bin/bash

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
V       ?= 0

PKGS := ncursesw libssh2 vterm libcjson libcrypto libdw libelf \
	fdisk ext2fs com_err liblzma libcrypt
# Deferred (=) so that `make deps` can install pkg-config's packages first.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
LDLIBS    += -lm -pthread

CFLAGS   ?= -O2 -g
KMCFLAGS  = -std=c11 -D_GNU_SOURCE -I. -Wall -Wextra -Werror -Wshadow \
	    -Wstrict-prototypes -Wno-unused-parameter -pthread $(PKG_CFLAGS)
DEPFLAGS := -MMD -MP
# float-cast-overflow: clang's undefined has it, gcc's does not (a double
# out of an integer's range, from a peer's JSON, is undefined behaviour).
SANFLAGS := -O1 -g -fsanitize=address,undefined,float-cast-overflow \
	    -fno-omit-frame-pointer -fno-sanitize-recover=undefined,float-cast-overflow

CORE_SRC := $(wildcard core/*.c core/*/*.c)
TUI_SRC  := $(wildcard tui/*.c)
CLI_SRC  := $(wildcard cli/*.c)
# cli/ minus main(): the command table and the commands, which the unit
# tests link as they link tui/'s pure pieces (layout, graph, keymap, theme).
CLI_LIB_SRC := $(filter-out cli/main.c,$(CLI_SRC))
# Host-side test programs: cmocka unit tests and the drivers that the
# integration, tui, e2e and faults suites run (tests/kmod/ and
# tests/fixtures/ hold code for the arm64 guest, built by `make kmod`).
TEST_SRC := $(wildcard tests/unit/*.c tests/integration/*.c tests/tui/*.c tests/e2e/*.c \
		      tests/faults/*.c)
# The libFuzzer harnesses, one per parser of outside bytes (see "fuzzing").
FUZZ_HARNESSES := $(patsubst %.c,%,$(wildcard tests/fuzz/fuzz_*.c))

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-7s %s\n' $(1) $(2)
endif

.PHONY: help deps kmdash all kmod target vm-start vm-stop vm-ssh vm-status \
	run install uninstall man test check asan fuzz fuzz-vterm bench format \
	check-format clean print-cflags print-libs fixtures container

help:
	@echo 'make deps      install the Debian packages kmdash needs (sudo if not root)'
	@echo 'make [kmdash]  build the dashboard into $(BUILD)/kmdash'
	@echo 'make target    build the embedded ARM64 target (kmdash target build; cached in ~/.cache/kmdash)'
	@echo 'make kmod      cross-build the module in kmod/ (KMOD_SRC=dir for another)'
	@echo 'make vm-start  boot the target (MACHINE=virt|raspi3b, PORT=n)'
	@echo 'make vm-ssh    open a shell on the target; make vm-stop stops it'
	@echo 'make run       all of the above, then open the dashboard'
	@echo 'make container build the cross-build image (podman; Debian packages, no registry)'
	@echo 'make fixtures  cross-build the modules whose traces the unit tests decode'
	@echo 'make test      build with ASan+UBSan and run every test suite (SUITES=...)'
	@echo 'make check     quick: sanitized build, style, unit, fuzz replay and CLI tests, no target' 
	@echo 'make bench     measure boot, build, transfer and render figures'
	@echo 'make fuzz      run every libFuzzer harness (FUZZ_SECONDS=60 each)'
	@echo 'make fuzz-vterm  the console harness against a sanitized libvterm'
	@echo 'make install   install into $$(DESTDIR)$$(PREFIX) (default /usr/local)'

deps:
	@target/deps.sh

# --- the dashboard, in flavours: release (build/), sanitized (build/asan/,
# used by the tests) and instrumented for libFuzzer (build/fuzz/, clang).
# core/ goes into a static library so each test links only what it uses.
# $(call flavour,DIR,FLAGS,COMPILER)

define flavour
$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$(call quiet,CC,$$@)
	$(Q)$(3) $$(KMCFLAGS) $$(DEPFLAGS) $(2) -c $$< -o $$@

$(1)/libkmcore.a: $$(CORE_SRC:%.c=$(1)/%.o)
	$$(call quiet,AR,$$@)
	$(Q)rm -f $$@ && ar rcs $$@ $$^

$(1)/kmdash: $$(CLI_SRC:%.c=$(1)/%.o) $$(TUI_SRC:%.c=$(1)/%.o) $(1)/libkmcore.a
	$$(call quiet,LD,$$@)
	$(Q)$(3) $(2) -o $$@ $$^ $$(PKG_LIBS) $$(LDLIBS)

$(1)/libkmtui.a: $$(TUI_SRC:%.c=$(1)/%.o)
	$$(call quiet,AR,$$@)
	$(Q)rm -f $$@ && ar rcs $$@ $$^

$(1)/libkmcli.a: $$(CLI_LIB_SRC:%.c=$(1)/%.o)
	$$(call quiet,AR,$$@)
	$(Q)rm -f $$@ && ar rcs $$@ $$^

$(1)/tests/%: $(1)/tests/%.o $(1)/libkmcli.a $(1)/libkmtui.a $(1)/libkmcore.a
	$$(call quiet,LD,$$@)
	$(Q)$(3) $(2) -o $$@ $$^ -lcmocka $$(PKG_LIBS) $$(LDLIBS)
endef

$(eval $(call flavour,$(BUILD),$$(CFLAGS),$$(CC)))
$(eval $(call flavour,$(BUILD)/asan,$$(SANFLAGS),$$(CC)))
$(eval $(call flavour,$(BUILD)/fuzz,$$(FUZZ_CFLAGS),$$(FUZZ_CC)))

.SECONDARY:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

kmdash all: $(BUILD)/kmdash

# Unit tests that tests/run.sh also runs under valgrind, so built without
# ASan (valgrind cannot run it): the config loader and its schema engine
# must free everything whatever a table holds.
VALGRIND_TESTS := tests/unit/test_config tests/unit/test_schema

# sebench's workload generator (kmod/tools/ycsb.c) in the host's unit
# test: the very file the arm64 sebench is built from.
$(BUILD)/asan/tests/unit/test_ycsb: $(BUILD)/asan/kmod/tools/ycsb.o

asan: $(BUILD)/asan/kmdash $(TEST_SRC:%.c=$(BUILD)/asan/%) \
      $(VALGRIND_TESTS:%=$(BUILD)/%) $(FUZZ_HARNESSES:%=$(BUILD)/asan/%)

# --- fuzzing (tests/fuzz/) -------------------------------------------------
# Each tests/fuzz/fuzz_NAME.c is the harness of one parser of outside
# bytes, linked twice: with libFuzzer into $(BUILD)/fuzz/tests/fuzz/ (clang,
# core/ and tui/ instrumented in $(BUILD)/fuzz/; `make fuzz`), and with
# replay_main.c into $(BUILD)/asan/tests/fuzz/ (gcc; `make test` replays
# the regression corpus and the seeds through it, no clang needed).
FUZZ_CC ?= clang
FUZZ_CFLAGS := $(SANFLAGS) -fsanitize=fuzzer-no-link
# The harnesses' own comparisons (reading every cell back) guide nothing:
# not traced, which doubles the console harness's speed.
$(BUILD)/fuzz/tests/fuzz/%.o: FUZZ_CFLAGS += -fno-sanitize-coverage=trace-cmp
# Nor the console's grid and state: they compare what libvterm (not
# instrumented) made of the bytes, never the bytes themselves (those are
# console_guard.c's, traced); two thirds of the harness's time went there.
$(addprefix $(BUILD)/fuzz/core/console/,console.o console_grid.o \
	console_state.o): FUZZ_CFLAGS += -fno-sanitize-coverage=trace-cmp

$(BUILD)/fuzz/tests/fuzz/%: $(BUILD)/fuzz/tests/fuzz/%.o \
			    $(BUILD)/fuzz/tests/fuzz/fuzz.o \
			    $(BUILD)/fuzz/libkmtui.a $(BUILD)/fuzz/libkmcore.a
	$(call quiet,LD,$@)
	$(Q)$(FUZZ_CC) $(SANFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/asan/tests/fuzz/%: $(BUILD)/asan/tests/fuzz/%.o \
			    $(BUILD)/asan/tests/fuzz/fuzz.o \
			    $(BUILD)/asan/tests/fuzz/replay_main.o \
			    $(BUILD)/asan/libkmtui.a $(BUILD)/asan/libkmcore.a
	$(call quiet,LD,$@)
	$(Q)$(CC) $(SANFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# FUZZ="kmsg qmp" picks harnesses; FUZZ_SECONDS (60) each, or FUZZ_RUNS
# executions, or both: whichever comes first.
fuzz: $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/%)
	@tests/fuzz/run.sh $(FUZZ)

# The console harness against libvterm compiled with the sanitizers too,
# from the Debian source of the installed version (tests/fuzz/vterm.sh).
FUZZ_CONSOLE_OBJS := $(BUILD)/fuzz/tests/fuzz/fuzz_console.o \
		     $(BUILD)/fuzz/tests/fuzz/fuzz.o $(BUILD)/fuzz/libkmtui.a \
		     $(BUILD)/fuzz/libkmcore.a
fuzz-vterm: $(FUZZ_CONSOLE_OBJS)
	@FUZZ_CC='$(FUZZ_CC)' FUZZ_CFLAGS='$(FUZZ_CFLAGS)' \
		FUZZ_LDFLAGS='$(SANFLAGS) -fsanitize=fuzzer' \
		FUZZ_OBJS='$(FUZZ_CONSOLE_OBJS)' \
		FUZZ_LIBS='$(filter-out -lvterm,$(PKG_LIBS)) $(LDLIBS)' \
		tests/fuzz/vterm.sh

# --- the embedded target and the module ----------------------------------

# kmdash's own verb, which an installed kmdash has too (kmdash target build).
target: $(BUILD)/kmdash
	@$(BUILD)/kmdash target build

# One machinery for every module: KMOD_SRC names the source directory.
# The example's Kbuild also builds its tools (sectl, sebench) and its test
# program (shtest) for the target: build/kmod/tools/, build/kmod/tests/.
KMOD_SRC ?= kmod
KMOD_OUT ?= $(BUILD)/$(KMOD_SRC)
kmod:
	@target/kbuild.sh $(KMOD_SRC) $(KMOD_OUT)

# The modules the unit tests decode traces of (tests/fixtures/traces/):
# crashmod, the engine with its test-only fault hook, and the engine itself
# (a rebuild of it, for the stale-copy test).
FIXTURE_KMODS := kmod_crash kmod_faulty
fixtures: kmod
	@for m in $(FIXTURE_KMODS); do \
		$(MAKE) --no-print-directory kmod KMOD_SRC=tests/fixtures/$$m \
			KMOD_OUT=$(BUILD)/tests/fixtures/$$m || exit 1; \
	done

# The cross-build image (target/container/): from Debian packages, cached by
# the hash of its Containerfile. CONTAINER_ENGINE=docker for Docker.
container:
	@target/container/build.sh

.PHONY: kmod-native
# Second compile check of the module: the host's amd64 headers (make deps).
KMOD_NATIVE_KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
kmod-native:
	@test -d "$(KMOD_NATIVE_KDIR)" || { echo "kmod-native: no /usr/src/linux-headers-*-amd64: run 'make deps' (installs linux-headers-amd64)" >&2; exit 1; }
	@mkdir -p $(BUILD)/kmod-native
	@find $(BUILD)/kmod-native -type l ! -exec test -e {} \; -delete
	@cp -rsf $(CURDIR)/kmod/. $(BUILD)/kmod-native/
	$(Q)$(MAKE) --no-print-directory -C $(KMOD_NATIVE_KDIR) \
		M=$(abspath $(BUILD)/kmod-native) modules

# The VM verbs are kmdash's (`kmdash vm`), the only code that starts QEMU.
VM_ARGS = $(if $(MACHINE),--machine $(MACHINE)) $(if $(PORT),--port $(PORT))

vm-start: $(BUILD)/kmdash
	@$(BUILD)/kmdash vm start $(VM_ARGS)

vm-stop: $(BUILD)/kmdash
	@$(BUILD)/kmdash vm stop

vm-status: $(BUILD)/kmdash
	@$(BUILD)/kmdash vm status

vm-ssh: $(BUILD)/kmdash
	@$(BUILD)/kmdash vm ssh

# The VM first (MACHINE, PORT), unless it runs (status 0) or the default
# target is no VM (status 2): then the dashboard, which takes it over.
run: deps
	@$(MAKE) --no-print-directory kmdash target
	@st=0; $(BUILD)/kmdash vm status >/dev/null 2>&1 || st=$$?; \
		[ $$st -ne 1 ] || $(BUILD)/kmdash vm start $(VM_ARGS)
	@$(BUILD)/kmdash

# The binary to install (tests/cli/install.sh installs the sanitized one).
INSTALL_BIN ?= $(BUILD)/kmdash
BASH_COMPLETION := $(PREFIX)/share/bash-completion/completions/kmdash
ZSH_COMPLETION  := $(PREFIX)/share/zsh/site-functions/_kmdash
MAN_PAGE        := cli/kmdash.1
# What kmdash needs at run time, found next to the binary
# (core/base/datadir.h): the embedded target's recipe (byte for byte: its
# hash decides whether a built target is reused), the storage_hash example
# with its tools' sources (its Kbuild builds them), the themes.
DATA_DIR       := $(PREFIX)/share/kmdash
TARGET_RECIPE  := target/common.sh target/apt.sh target/init target/inittab
EXAMPLE_SRC    := kmod/Kbuild kmod/README.md $(wildcard kmod/*.[ch] \
		  kmod/tools/*.[ch] kmod/tests/*.[ch])

install: $(INSTALL_BIN)
	install -D -m 0755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/kmdash
	install -d $(DESTDIR)$(DATA_DIR)/themes $(DESTDIR)$(DATA_DIR)/target
	install -m 0644 themes/*.json $(DESTDIR)$(DATA_DIR)/themes/
	install -m 0755 target/build-target.sh $(DESTDIR)$(DATA_DIR)/target/
	install -m 0644 $(TARGET_RECIPE) $(DESTDIR)$(DATA_DIR)/target/
	for f in $(EXAMPLE_SRC); do \
		install -D -m 0644 $$f $(DESTDIR)$(DATA_DIR)/$$f || exit 1; done
	install -D -m 0644 $(MAN_PAGE) $(DESTDIR)$(PREFIX)/share/man/man1/kmdash.1
	install -d $(dir $(DESTDIR)$(BASH_COMPLETION)) $(dir $(DESTDIR)$(ZSH_COMPLETION))
	$(INSTALL_BIN) completion bash >$(DESTDIR)$(BASH_COMPLETION)
	$(INSTALL_BIN) completion zsh >$(DESTDIR)$(ZSH_COMPLETION)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kmdash
	rm -rf $(DESTDIR)$(DATA_DIR)
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/kmdash.1
	rm -f $(DESTDIR)$(BASH_COMPLETION) $(DESTDIR)$(ZSH_COMPLETION)

# The man page's OPTIONS and COMMANDS sections are the command table's
# (kmdash help --man): this writes them into the page.
man: $(BUILD)/kmdash
	@$(BUILD)/kmdash help --man >$(BUILD)/kmdash.1.gen
	@awk -v gen=$(BUILD)/kmdash.1.gen \
		'/^[.]." BEGIN kmdash help --man/ { while ((getline l < gen) > 0) print l; skip = 1; next } \
		 /^[.]." END kmdash help --man/ { skip = 0; next } !skip' \
		$(MAN_PAGE) >$(BUILD)/kmdash.1.new
	@mv $(BUILD)/kmdash.1.new $(MAN_PAGE)

# --- tests and benchmarks --------------------------------------------------

# The suites that need nothing but the build: no package check, no target
# (tests/run.sh's order; the others boot the embedded target).
LOCAL_SUITES := style unit fuzz cli
SUITES ?=
NEED_TARGET := $(if $(SUITES),$(filter-out $(LOCAL_SUITES),$(SUITES)),all)
UNIT_TESTS := $(patsubst %.c,$(BUILD)/asan/%,$(wildcard tests/unit/*.c))

test: $(if $(NEED_TARGET),deps)
	@$(MAKE) --no-print-directory kmdash asan $(if $(NEED_TARGET),target fixtures)
	@tests/run.sh $(SUITES)

# The quick loop while editing: the sanitized build, the style check, the
# unit tests, the replay of the fuzz corpora and the command line's tests;
# no package check, no target, no download.
check:
	@$(MAKE) --no-print-directory $(BUILD)/asan/kmdash $(UNIT_TESTS) \
		$(FUZZ_HARNESSES:%=$(BUILD)/asan/%)
	@# the decoder's unit tests read the fixture modules: built when the
	@# target's sysroot is there already (no download), else skipped
	@if bash -c '. target/common.sh && test -f "$$KMDASH_TARGET_ENV"'; then \
		$(MAKE) --no-print-directory fixtures; fi
	@tests/run.sh $(LOCAL_SUITES)

bench: deps
	@$(MAKE) --no-print-directory kmdash target
	@tests/bench/run.sh $(BENCHES)

# The flags of a program built against libkmcore.a: tests/bench/lib.sh
# asks for them here rather than keeping a copy.
print-cflags:
	@echo $(KMCFLAGS) $(CFLAGS)

print-libs:
	@echo $(PKG_LIBS) $(LDLIBS)

C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(C_FILES)

check-format:
	@clang-format --dry-run -Werror $(C_FILES)

clean:
	rm -rf $(BUILD)
