# lifeboat — build, test and tooling.
#
#   make deps         install missing Debian packages (idempotent, fast when present)
#   make              build ./lifeboat
#   make check        deps + -Werror build + every test, plain and under ASan+UBSan
#   make demo         deps + build + open the console on ./demo-lab
#
# Objects go to $(BUILD)/<variant>/; set BUILD=... to keep parallel work trees apart.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc

PKGS     = ncursesw libcurl jansson sqlite3 libnotify inih openssl
CSTD     = -std=c11
CPPFLAGS = -D_GNU_SOURCE -I.
WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wold-style-definition -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 \
           -Wundef -Wvla -Wimplicit-fallthrough -fno-common
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

# variant: plain (the shipped binary) or asan (tests under sanitizers)
VARIANT ?= plain
ifeq ($(VARIANT),asan)
OPT = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
OPT = -O2 -g
endif
WERROR ?=
ALL_CFLAGS = $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(OPT) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(OPT) $(LDFLAGS)

OUT = $(BUILD)/$(VARIANT)

BACKEND_SRC = $(sort $(wildcard backend/base/*.c backend/*.c))
TUI_SRC     = $(sort $(wildcard tui/*.c))
CLI_SRC     = $(sort $(wildcard cli/*.c))
UNIT_SRC    = $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC    = $(sort $(wildcard tests/fuzz/fuzz_*.c))
THEMES      = $(sort $(wildcard themes/*.theme))

BACKEND_OBJ = $(BACKEND_SRC:%.c=$(OUT)/%.o)
TUI_OBJ     = $(TUI_SRC:%.c=$(OUT)/%.o) $(OUT)/gen/builtin_theme.o
CLI_OBJ     = $(CLI_SRC:%.c=$(OUT)/%.o)
UNIT_BIN    = $(UNIT_SRC:tests/unit/%.c=$(OUT)/tests/%)
TUI_UNIT_SRC = $(filter tests/unit/test_tui_%.c,$(UNIT_SRC))

.PHONY: all deps check check-build test-unit test-shell check-hours demo install screenshots format lint \
        check-deps clean bench fuzz variant-bin variant-tests

all: lifeboat

deps:
	@sh scripts/deps.sh

# The shipped binary: the plain variant, copied to the repo root.
lifeboat: FORCE
	@$(MAKE) --no-print-directory VARIANT=plain variant-bin
	@cp -f $(BUILD)/plain/lifeboat lifeboat.tmp && mv -f lifeboat.tmp lifeboat
FORCE:

variant-bin: $(OUT)/lifeboat
variant-tests: $(UNIT_BIN) $(OUT)/lifeboat

$(OUT)/lifeboat: $(CLI_OBJ) $(TUI_OBJ) $(OUT)/libbackend.a
	@echo "  LD      $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(TUI_OBJ) $(OUT)/libbackend.a $(PKG_LIBS) -lm

$(OUT)/libbackend.a: $(BACKEND_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# themes/default.theme is compiled in.
$(OUT)/gen/builtin_theme.c: themes/default.theme scripts/embed.sh
	@mkdir -p $(dir $@)
	@sh scripts/embed.sh builtin_theme_text themes/default.theme > $@

$(OUT)/gen/builtin_theme.o: $(OUT)/gen/builtin_theme.c
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests: each tests/unit/test_X.c is one cmocka binary linked with the backend;
# tests/unit/test_tui_X.c also get the tui objects.
$(OUT)/tests/test_tui_%: tests/unit/test_tui_%.c $(OUT)/libbackend.a $(TUI_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(TUI_OBJ) $(OUT)/libbackend.a $(PKG_LIBS) $(CMOCKA_LIBS) -lm

$(OUT)/tests/%: tests/unit/%.c $(OUT)/libbackend.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) -o $@ $< $(OUT)/libbackend.a $(PKG_LIBS) $(CMOCKA_LIBS) -lm

check: deps
	@sh scripts/check.sh

# Build both variants with -Werror (used by check.sh; handy on its own).
check-build:
	@$(MAKE) --no-print-directory VARIANT=plain WERROR=-Werror variant-tests
	@$(MAKE) --no-print-directory VARIANT=asan WERROR=-Werror variant-tests
	@cp -f $(BUILD)/plain/lifeboat lifeboat.tmp && mv -f lifeboat.tmp lifeboat

# Unit tests of one variant (make test-unit VARIANT=asan).
test-unit: variant-tests
	@sh tests/run-tests.sh $(UNIT_BIN)

demo: deps lifeboat
	./lifeboat demo

install: lifeboat
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/lifeboat/themes $(DESTDIR)$(PREFIX)/share/doc/lifeboat
	install -m 0755 lifeboat $(DESTDIR)$(PREFIX)/bin/lifeboat
	install -m 0644 docs/lifeboat.1 $(DESTDIR)$(PREFIX)/share/man/man1/lifeboat.1
	install -m 0644 $(THEMES) $(DESTDIR)$(PREFIX)/share/lifeboat/themes/
	install -m 0644 docs/lifeboat.conf.example $(DESTDIR)$(PREFIX)/share/doc/lifeboat/
	install -d $(DESTDIR)$(PREFIX)/share/lifeboat/sim
	install -m 0755 tests/sim/sim.py $(DESTDIR)$(PREFIX)/share/lifeboat/sim/sim.py

screenshots: lifeboat
	@sh tests/e2e/screenshots.sh

format:
	clang-format -i $(BACKEND_SRC) $(TUI_SRC) $(CLI_SRC) $(UNIT_SRC) \
	    $(wildcard backend/*.h backend/base/*.h tui/*.h cli/*.h)

lint: check-deps
	@sh scripts/lint.sh

check-deps:
	@sh scripts/check-deps.sh

bench: lifeboat
	@sh bench/run.sh

# The simulator-backed tests at the hours where "last night" changes (HOURS=...).
check-hours: deps lifeboat
	@sh scripts/deps.sh hours
	@sh scripts/check-hours.sh

fuzz:
	@sh scripts/deps.sh fuzz
	@sh tests/fuzz/run.sh

clean:
	rm -rf $(BUILD) lifeboat lifeboat.tmp

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
