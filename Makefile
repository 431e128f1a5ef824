# dyad: `make` builds ./dyad, `make test` runs every test, `make sanitize` runs
# them again under ASan + UBSan. Objects go to $(BUILD).

BUILD ?= build
CC ?= cc
PKGS_NN := openblas zlib libcjson
PKGS_APP := sdl2 stb
PKGS_TEST := cmocka

OPT ?= -O2
CFLAGS_BASE := -std=c11 -Wall -Wextra -Werror $(OPT) -g -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
ifeq ($(SAN),1)
  CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS_NN) $(PKGS_APP) $(PKGS_TEST) 2>/dev/null)
CFLAGS := $(CFLAGS_BASE) $(PKG_CFLAGS) $(CFLAGS_EXTRA)
LIBS_NN = $(shell pkg-config --libs $(PKGS_NN)) -lm -lpthread
LIBS_APP = $(shell pkg-config --libs $(PKGS_APP)) $(LIBS_NN)
LIBS_TEST = $(shell pkg-config --libs $(PKGS_TEST)) $(LIBS_APP)

NN_SRC := $(wildcard nn/*.c)
# app/ has three folders (cmd/ -> window/ -> render/ -> nn/); every .c under
# app/, at any depth, is built, so a file added at app/ top level builds too.
APP_ALL_SRC := $(shell find app -name '*.c' | LC_ALL=C sort)
APP_MAIN := app/cmd/main.c
APP_SRC := $(filter-out $(APP_MAIN),$(APP_ALL_SRC))
APP_HDR := $(shell find app -name '*.h')
# Files at app/ top level (older layout) still find the headers by bare name.
APP_TOP_INC := -iquote app/cmd -iquote app/window -iquote app/render
TEST_SRC := $(wildcard tests/test_*.c)
TEST_SUPPORT := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))

NN_OBJ := $(NN_SRC:%.c=$(BUILD)/%.o)
APP_OBJ := $(APP_SRC:%.c=$(BUILD)/%.o)
SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
PROGRAM := $(if $(filter build,$(BUILD)),dyad,$(BUILD)/dyad)

.PHONY: all test sanitize clean data deps run models bench
all: $(PROGRAM)

$(BUILD)/%.o: %.c $(wildcard nn/*.h tests/*.h) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(if $(filter app/,$(dir $<)),$(APP_TOP_INC)) -c $< -o $@

$(BUILD)/libnn.a: $(NN_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libapp.a: $(APP_OBJ)
	rm -f $@ && ar rcs $@ $^

$(PROGRAM): $(APP_MAIN:%.c=$(BUILD)/%.o) $(BUILD)/libapp.a $(BUILD)/libnn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_APP)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(SUPPORT_OBJ) $(BUILD)/libapp.a $(BUILD)/libnn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_TEST)

# Tests find the program and fixtures through these variables.
test: deps
	@$(MAKE) --no-print-directory $(PROGRAM) $(TEST_BIN)
	DYAD_BIN=$(abspath $(PROGRAM)) bash tests/run.sh $(TEST_BIN)

# LeakSanitizer stays on; ASan aborts on the first error.
sanitize:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(MAKE) --no-print-directory BUILD=build-san SAN=1 OPT=-O1 test

data:
	bash data/fetch-mnist.sh

# Installs missing Debian packages (apt-get; sudo when not root).
deps:
	@bash .ci/install-deps

run: deps
	$(MAKE) dyad
	./dyad draw

models: dyad
	bash assets/make-models.sh

bench: dyad
	./dyad bench

clean:
	rm -rf build build-san dyad
