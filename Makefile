# vtrunk — see README.md. `make` builds build/vtrunk; `make check` runs every test.
PREFIX ?= /usr/local
# systemd units (contrib/vtrunk-watch.service); under PREFIX so a plain `make install` needs no root paths
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=
CC ?= cc
B ?= build
CFLAGS ?= -O2 -g
PKGS = libcurl libxml-2.0 openssl libcjson
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
# Lazily expanded: pkg-config runs only once `make deps` had its chance.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Ivm -Ivsphere -Icli -I$(B)/gen $(PKG_CFLAGS) $(CFLAGS)
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC = $(wildcard vm/*.c) $(wildcard vsphere/*.c) $(filter-out cli/cli_main.c,$(wildcard cli/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
VERSION = $(shell cat VERSION 2>/dev/null || echo 0.1.0)

.PHONY: all deps deps-test check check-agents unit integration guest demo install clean asan vcsim valgrind bench
.PHONY: fuzz fuzz-smoke fuzz-build
.DELETE_ON_ERROR:

all: $(B)/vtrunk

$(B)/obj/%.o: %.c $(wildcard */*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DVTRUNK_VERSION='"$(VERSION)"' -c -o $@ $<

# vtrunk-apply.sh's body is a real shell file (vm/vtrunk-apply.sh.in, readable and
# shellcheck-able) turned into C string literals: \ " and ? escaped (? against trigraphs).
$(B)/gen/vm_apply_body.h: vm/vtrunk-apply.sh.in
	@mkdir -p $(dir $@)
	LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $< >$@

$(B)/obj/vm/vm_apply.o: $(B)/gen/vm_apply_body.h

$(B)/libvtrunk.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/vtrunk: $(B)/obj/cli/cli_main.o $(B)/libvtrunk.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libvtrunk.a tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(B)/libvtrunk.a $(PKG_LIBS) $$(pkg-config --libs cmocka)

# The test vCenter (vcsim), built from Debian's govmomi sources; see DESIGN.md.
build/vcsim: $(wildcard tests/vcsim/*.go)
	@mkdir -p build
	cd tests/vcsim && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= go build -o ../../build/vcsim .

# The second test vCenter (tests/vcsim-async): govmomi's simulator as a Go module, pinned in
# tests/vcsim-async/go.sum and fetched through the Go module proxy on the first build;
# asynchronous tasks and changeVersion/configVersion checks (see its realism.go).
build/vcsim-async: $(wildcard tests/vcsim-async/*.go) tests/vcsim/main.go tests/vcsim-async/go.mod tests/vcsim-async/go.sum
	@mkdir -p build
	cd tests/vcsim-async && GO111MODULE=on GOFLAGS="-mod=readonly -buildvcs=false" go build -o ../../build/vcsim-async .

vcsim: build/vcsim build/vcsim-async

deps:
	@tests/lib/deps.sh build

deps-test:
	@tests/lib/deps.sh test

asan:
	$(MAKE) B=build/asan CFLAGS="$(SAN_FLAGS)" build/asan/vtrunk $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

unit: $(UNIT_BIN)
	@tests/lib/run-unit.sh $(UNIT_BIN)

# Everything, under ASan/UBSan: unit tests, then the integration tests against both test
# vCenters (VCSIM_KINDS="debian async"; tests/run.sh), then the guest tests, then the fuzz
# smoke run; run.sh's last line "N passed, N failed" counts all of them.
check: deps-test
	$(MAKE) all
	$(MAKE) asan
	$(MAKE) build/vcsim build/vcsim-async
	$(MAKE) fuzz-build
	tests/run.sh --bin build/asan/vtrunk --unit build/asan/tests --fuzz $(FUZZ_SMOKE_SECONDS)

# Two real Debian 12 agents under qemu (tests/guest/check-agents.sh), alone; `check` runs it too.
check-agents: deps-test all build/vcsim-async
	bash tests/guest/check-agents.sh

integration: all build/vcsim build/vcsim-async
	tests/run.sh --bin $(B)/vtrunk --only integration

demo: deps-test
	$(MAKE) all build/vcsim
	tests/lib/demo.sh

valgrind: all build/vcsim build/vcsim-async
	VTRUNK_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
		tests/run.sh --bin $(B)/vtrunk --only integration

# Not part of check: vtrunk vs a pyvmomi script vs a per-VM loop on vcsim at 0/10/50 ms per
# call (wall time, HTTP requests, peak RSS); writes tests/bench/RESULTS.md. `make bench
# N="100 500"`; BENCH_* variables in tests/bench/run.sh. tests/bench/agents.sh: vtrunk alone;
# tests/bench/scale.sh: issue 13's inventory-size and CPU-per-VM rows.
bench: all build/vcsim
	$(if $(N),BENCH_N="$(N)" )tests/bench/run.sh
	tests/bench/scale.sh

# The binary, the man page (cli/vtrunk.1) and the bash completion (cli/vtrunk.bash, loaded
# by bash-completion from PREFIX/share/bash-completion/completions). Packagers: DESTDIR.
install: $(B)/vtrunk
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(B)/vtrunk $(DESTDIR)$(PREFIX)/bin/vtrunk
	install -m 0644 cli/vtrunk.1 $(DESTDIR)$(PREFIX)/share/man/man1/vtrunk.1
	install -m 0644 cli/vtrunk.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/vtrunk
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|/usr/local/bin/vtrunk|$(PREFIX)/bin/vtrunk|' contrib/vtrunk-watch.service \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/vtrunk-watch.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/vtrunk-watch.service

.PHONY: uninstall
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/vtrunk $(DESTDIR)$(PREFIX)/share/man/man1/vtrunk.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/vtrunk \
		$(DESTDIR)$(SYSTEMDUNITDIR)/vtrunk-watch.service

clean:
	rm -rf build vtrunk-out

# --- Fuzzing (libFuzzer; tests/fuzz/) -------------------------------------------------
# The library is built again with clang's coverage and sanitizers into build/fuzz/obj,
# one binary a target in build/fuzz/. `make fuzz` runs each target FUZZ_SECONDS (600);
# `make fuzz-smoke` (part of check) runs each FUZZ_SMOKE_SECONDS (20). Both go through
# tests/fuzz/run.sh, which writes the seed corpora from fixtures/ into build/fuzz/corpus.
FUZZ_CC ?= clang
FUZZ_TARGETS = soap inventory task plan vlan rest names url
# fuzz_names checks the netplan text with libyaml, the YAML parser netplan itself uses.
FUZZ_LIBS_names = $(shell pkg-config --libs yaml-0.1)
FUZZ_BIN = $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 20

fuzz-build: deps-test
	$(MAKE) B=build/fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_BIN)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h build/fuzz/libvtrunk.a
	$(FUZZ_CC) $(ALL_CFLAGS) -Itests/fuzz -fsanitize=fuzzer,address,undefined -o $@ $< build/fuzz/libvtrunk.a $(PKG_LIBS) $(FUZZ_LIBS_$*)

fuzz: fuzz-build
	tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh --seconds $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
