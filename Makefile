# emr: one binary, one database.
#
#   make            build ./emr
#   make demo       install missing packages, build, open the UI on a demo practice
#   make check      install missing packages, build, run every test (also under ASan+UBSan)
#   make bench      timings at 1,000 and 100,000 patients
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install missing Debian packages (as root), or say how

CC      ?= cc
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man

PKGS     := ncursesw sqlite3 libcmark jansson libsodium
DEB_PKGS := build-essential pkg-config libncurses-dev libsqlite3-dev libcmark-dev \
            libjansson-dev libsodium-dev libunistring-dev libcriterion-dev \
            tmux sqlite3 groff poppler-utils clang locales python3 libcsv-dev

# ncursesw asks for _XOPEN_SOURCE=600; we define 700 (POSIX 2008) ourselves.
PKG_CFLAGS := $(filter-out -D_XOPEN_SOURCE=% -D_DEFAULT_SOURCE,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunistring -lm
PKG_LIBS   += -lcsv

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wvla
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_XOPEN_SOURCE=700 -D_DEFAULT_SOURCE -Iinclude $(WARN) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS   += $(PKG_LIBS)

SRC      := $(sort $(wildcard src/*.c))
ASM      := src/embedded.S
OBJDIR   ?= build
OBJ      := $(SRC:src/%.c=$(OBJDIR)/%.o) $(OBJDIR)/embedded.o
LIBOBJ   := $(filter-out $(OBJDIR)/main.o,$(OBJ))
DEPS     := $(OBJ:.o=.d)

# Files compiled into the binary by src/embedded.S.
EMBEDDED := schema.sql data/icd10cm/icd10cm_codes_2026.txt data/loinc.tsv data/cvx.tsv data/templates/soap.md

TEST_SRC := $(sort $(wildcard tests/unit/*.c))
TEST_BIN := $(OBJDIR)/unit-tests

.PHONY: all demo check test unit cli-test ui-test asan bench install uninstall clean deps distclean fhir-deps

all: emr

emr: $(OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

$(OBJDIR)/%.o: src/%.c | $(OBJDIR)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJDIR)/embedded.o: $(ASM) $(EMBEDDED) | $(OBJDIR)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(OBJDIR):
	mkdir -p $@

-include $(DEPS)

# ---------------------------------------------------------------- tests

$(TEST_BIN): $(TEST_SRC) $(LIBOBJ) tests/unit/testlib.h
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Itests/unit -o $@ $(TEST_SRC) $(LIBOBJ) $(LDLIBS) -lcriterion

# One worker: with two, Criterion's runner now and then fails to start a
# test instance ("Protocol error") on this machine, which is not a result.
unit: $(TEST_BIN) emr
	EMR_BIN=$(CURDIR)/emr $(TEST_BIN) --jobs 1

# Every tests/cli/*.sh but the shared lib.sh; each ends with "N passed, N failed".
CLI_TESTS := $(filter-out tests/cli/lib.sh,$(sort $(wildcard tests/cli/*.sh)))

# The FHIR validator (tests/fhir/validate.mjs) and its pinned npm packages,
# installed again whenever the lock file changes.
FHIR_DEPS := tests/fhir/node_modules/.package-lock.json

fhir-deps: $(FHIR_DEPS)

$(FHIR_DEPS): tests/fhir/package.json tests/fhir/package-lock.json
	cd tests/fhir && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

cli-test: emr fhir-deps
	@rc=0; for t in $(CLI_TESTS); do EMR_BIN=$(CURDIR)/emr sh $$t || rc=1; done; exit $$rc

ui-test: emr
	EMR_BIN=$(CURDIR)/emr sh tests/ui/run.sh

test: unit cli-test ui-test

# The whole suite again with AddressSanitizer and UndefinedBehaviorSanitizer,
# in a build directory of its own so the two builds never mix objects.
asan: fhir-deps
	$(MAKE) OBJDIR=build-asan EMR=emr-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" build-asan/unit-tests emr-asan-bin
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  EMR_BIN=$(CURDIR)/build-asan/emr build-asan/unit-tests --jobs 1
	@rc=0; for t in $(CLI_TESTS); do ASAN_OPTIONS=detect_leaks=1 EMR_BIN=$(CURDIR)/build-asan/emr sh $$t || rc=1; done; exit $$rc
	@# The screens too: sanitizer reports from inside tmux go to files,
	@# and any report fails the build.
	rm -rf build-asan/reports && mkdir -p build-asan/reports
	ASAN_OPTIONS=detect_leaks=1:log_path=$(CURDIR)/build-asan/reports/asan \
	  UBSAN_OPTIONS=print_stacktrace=1:log_path=$(CURDIR)/build-asan/reports/ubsan \
	  EMR_BIN=$(CURDIR)/build-asan/emr sh tests/ui/run.sh
	@if ls build-asan/reports/* >/dev/null 2>&1; then cat build-asan/reports/*; \
	  echo "make asan: the sanitizers reported errors in the UI tests"; exit 1; fi

emr-asan-bin: $(OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $(OBJDIR)/emr $(OBJ) $(LDLIBS)

check: deps
	$(MAKE) all
	$(MAKE) test
	$(MAKE) asan
	@echo "make check: all suites passed"

# ---------------------------------------------------------------- demo, bench

demo: deps
	$(MAKE) all
	./emr demo --open

$(OBJDIR)/bench: tests/bench/bench.c $(LIBOBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/bench/bench.c $(LIBOBJ) $(LDLIBS)

$(OBJDIR)/bench-fhir: tests/bench/fhir.c | $(OBJDIR)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/bench/fhir.c -ljansson -lsqlite3

bench: emr $(OBJDIR)/bench $(OBJDIR)/bench-fhir
	sh tests/bench/run.sh

# ---------------------------------------------------------------- install

install: emr
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 emr $(DESTDIR)$(BINDIR)/emr
	install -m 0644 man/emr.1 $(DESTDIR)$(MANDIR)/man1/emr.1
	install -m 0644 man/emr.5 $(DESTDIR)$(MANDIR)/man5/emr.5
	install -m 0644 man/emr-fhir.5 $(DESTDIR)$(MANDIR)/man5/emr-fhir.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/emr $(DESTDIR)$(MANDIR)/man1/emr.1 $(DESTDIR)$(MANDIR)/man5/emr.5 \
	  $(DESTDIR)$(MANDIR)/man5/emr-fhir.5

# ---------------------------------------------------------------- deps

# Installs what is missing when run as root; otherwise prints the exact
# command and fails, so nothing is installed behind anyone's back.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	else \
	  echo "deps: missing Debian packages. Run as root:"; \
	  echo "  apt-get install -y$$missing"; exit 1; \
	fi

clean:
	rm -rf build build-asan emr

distclean: clean
	rm -rf .bench-cache
