# dyad: `make` builds ./dyad, `make test` runs every test, `make sanitize` runs
# them again under ASan + UBSan. Objects go to $(BUILD).

# make CUDA=1: the CUDA backend (nn/kernels_cuda.cu, cuBLAS) replaces the
# stub, objects go to build-cuda/, the program is build-cuda/dyad.
ifeq ($(CUDA),1)
  BUILD ?= build-cuda
endif
BUILD ?= build
CUDA_HOME ?= /usr/local/cuda
NVCC ?= $(CUDA_HOME)/bin/nvcc
# Hopper machine code plus PTX that newer GPUs compile on load.
NVCC_ARCH ?= -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
NVCCFLAGS ?= -O2 -g -std=c++17 $(NVCC_ARCH) -Xcompiler -Wall,-Wextra,-Werror
CC ?= cc
PKGS_NN := openblas zlib libcjson nettle
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
ifeq ($(CUDA),1)
  NN_SRC := $(filter-out nn/kernels_cuda_stub.c,$(NN_SRC))
  LIBS_NN += -L$(CUDA_HOME)/lib64 -lcublas -lcudart_static -ldl -lrt -lstdc++
endif
# app/ has three folders (cmd/ -> window/ -> render/ -> nn/); every .c under
# app/, at any depth, is built, so a file added at app/ top level builds too.
APP_ALL_SRC := $(shell find app -name '*.c' | LC_ALL=C sort)
APP_MAIN := app/cmd/main.c
APP_SRC := $(filter-out $(APP_MAIN),$(APP_ALL_SRC))
APP_HDR := $(shell find app -name '*.h')
# Files at app/ top level (older layout) still find the headers by bare name.
APP_TOP_INC := -iquote app/cmd -iquote app/window -iquote app/render
TEST_SRC := $(wildcard tests/test_*.c)
TEST_SUPPORT := $(filter-out $(TEST_SRC),$(wildcard tests/*.c)) tests/fuzz/targets.c

NN_OBJ := $(NN_SRC:%.c=$(BUILD)/%.o)
ifeq ($(CUDA),1)
  NN_OBJ += $(BUILD)/nn/kernels_cuda.o $(BUILD)/nn/cuda_sgemm.o
endif
CUDA_TEST := $(BUILD)/tests/cuda/test_cuda_conformance
APP_OBJ := $(APP_SRC:%.c=$(BUILD)/%.o)
SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
PROGRAM := $(if $(filter build,$(BUILD)),dyad,$(BUILD)/dyad)

.PHONY: all test sanitize clean data deps run models bench bench-compare reproduce reproduce-quick fuzz fuzz-build valgrind test-cuda cuda-step-times cuda-objects
all: $(PROGRAM)

$(BUILD)/%.o: %.c $(wildcard nn/*.h tests/*.h tests/fuzz/*.h) $(APP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(if $(filter app/,$(dir $<)),$(APP_TOP_INC)) -c $< -o $@

$(BUILD)/nn/%.o: nn/%.cu nn/kernels_cuda.h nn/cuda_sgemm.h nn/kernels.h nn/error.h
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -c $< -o $@

$(BUILD)/tests/cuda/%.o: tests/cuda/%.c $(wildcard nn/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(CUDA_TEST): $(BUILD)/tests/cuda/test_cuda_conformance.o $(BUILD)/tests/support.o $(BUILD)/libnn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS_TEST)) $(LIBS_NN)

$(BUILD)/tests/cuda/cuda_step_times: $(BUILD)/tests/cuda/cuda_step_times.o $(BUILD)/libnn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_NN)

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

# libFuzzer (clang): one harness per parser, tests/fuzz/fuzz_NAME.c, each run
# for FUZZ_SECONDS on a scratch corpus seeded from tests/fuzz/seeds/NAME.
# A crash stops the run and leaves its input in build-fuzz/crashes/NAME/:
# fix it, then keep the input in tests/fuzz/regressions/NAME/ (replayed by
# tests/test_fuzz_regressions.c in every `make test`).
FUZZ_SECONDS ?= 60
FUZZ_NAMES := idx checkpoint layers script image
FUZZ_DIR := build-fuzz
FUZZ_CFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
  -fno-omit-frame-pointer
fuzz-build:
	@DYAD_ROBUSTNESS_DEPS=1 bash .ci/install-deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_DIR) CC=clang OPT=-O1 \
	  CFLAGS_EXTRA="$(FUZZ_CFLAGS)" LDFLAGS="-fsanitize=fuzzer,address,undefined" \
	  $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

$(BUILD)/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/targets.o $(BUILD)/libapp.a $(BUILD)/libnn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_APP)

.SECONDARY: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%.o) $(BUILD)/tests/fuzz/targets.o

fuzz: fuzz-build
	@for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$n $(FUZZ_DIR)/crashes/$$n; \
	  echo "== fuzz $$n for $(FUZZ_SECONDS) s"; \
	  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	  $(FUZZ_DIR)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2560 \
	    -malloc_limit_mb=1024 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/crashes/$$n/ \
	    $(FUZZ_DIR)/corpus/$$n tests/fuzz/seeds/$$n > $(FUZZ_DIR)/$$n.log 2>&1; rc=$$?; \
	  grep -E 'DONE|number_of_executed_units|peak_rss|ERROR|SUMMARY|Test unit written' \
	    $(FUZZ_DIR)/$$n.log; \
	  [ $$rc -eq 0 ] || { echo "fuzz $$n: FAILED, see $(FUZZ_DIR)/$$n.log"; exit 1; }; \
	done

# valgrind memcheck on the image and checkpoint paths of the real program
# (the system libstb is not instrumented, so ASan cannot see into it).
valgrind: $(PROGRAM)
	@DYAD_ROBUSTNESS_DEPS=1 bash .ci/install-deps
	bash tests/valgrind.sh $(abspath $(PROGRAM))

# CUDA vs CPU conformance (needs a GPU; MNIST for the training-curve case).
test-cuda:
ifeq ($(CUDA),1)
	@$(MAKE) --no-print-directory CUDA=1 $(PROGRAM) $(CUDA_TEST)
	$(CUDA_TEST)
else
	@$(MAKE) --no-print-directory CUDA=1 test-cuda
endif

# Per-op times of one DYAD layer step on the GPU (tests/cuda/cuda_step_times.c).
cuda-step-times:
	@$(MAKE) --no-print-directory CUDA=1 build-cuda/tests/cuda/cuda_step_times
	build-cuda/tests/cuda/cuda_step_times

# CI's compile check of the CUDA objects (no GPU needed).
cuda-objects:
	@$(MAKE) --no-print-directory CUDA=1 build-cuda/nn/kernels_cuda.o build-cuda/nn/cuda_sgemm.o \
	  build-cuda/tests/cuda/test_cuda_conformance.o build-cuda/tests/cuda/cuda_step_times.o

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

# dyad vs PyTorch (Debian's python3-torch) on the same nets, interleaved, one
# table; a benchmark, not a test. Options: BENCH_ARGS="--rounds 1 --epochs 2 ...".
bench-compare: dyad
	python3 tests/bench/compare.py --dyad ./dyad $(BENCH_ARGS)

# The study (issue 10): the full grid, resumable (rerun to continue; run it in
# the background, e.g. `nohup make reproduce > reproduce.log 2>&1 &`), then the
# generated report in assets/study/. reproduce-quick runs a few configs in a
# fresh directory and checks the report it generates (CI runs it).
STUDY_RUNS ?= study-runs/full
STUDY_QUICK ?= $(BUILD)/study-quick
# Both grids use Fashion-MNIST too (dataset-fashion-mnist, installed with the test deps).
reproduce: $(PROGRAM)
	@DYAD_TEST_DEPS=1 bash .ci/install-deps
	nice ./$(PROGRAM) sweep assets/study/grid.json --out $(STUDY_RUNS) --jobs auto
	python3 assets/study/report.py $(STUDY_RUNS) --out assets/study --readme README.md
	python3 tests/study/check_report.py $(STUDY_RUNS) assets/study README.md

reproduce-quick: $(PROGRAM)
	@DYAD_TEST_DEPS=1 bash .ci/install-deps
	rm -rf $(STUDY_QUICK)
	./$(PROGRAM) sweep assets/study/grid-quick.json --out $(STUDY_QUICK) --jobs auto
	cp README.md $(STUDY_QUICK)/README.md
	python3 assets/study/report.py $(STUDY_QUICK) --out $(STUDY_QUICK)/report --readme $(STUDY_QUICK)/README.md
	python3 tests/study/check_report.py $(STUDY_QUICK) $(STUDY_QUICK)/report $(STUDY_QUICK)/README.md

clean:
	rm -rf build build-san build-cuda $(FUZZ_DIR) dyad
