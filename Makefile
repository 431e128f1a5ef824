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
ifeq ($(CUDA),1)
  NN_SRC := $(filter-out nn/kernels_cuda_stub.c,$(NN_SRC))
  LIBS_NN += -L$(CUDA_HOME)/lib64 -lcublas -lcudart_static -ldl -lrt -lstdc++
endif
APP_SRC := $(filter-out app/main.c,$(wildcard app/*.c))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_SUPPORT := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))

NN_OBJ := $(NN_SRC:%.c=$(BUILD)/%.o)
ifeq ($(CUDA),1)
  NN_OBJ += $(BUILD)/nn/kernels_cuda.o
endif
CUDA_TEST := $(BUILD)/tests/cuda/test_cuda_conformance
APP_OBJ := $(APP_SRC:%.c=$(BUILD)/%.o)
SUPPORT_OBJ := $(TEST_SUPPORT:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
PROGRAM := $(if $(filter build,$(BUILD)),dyad,$(BUILD)/dyad)

.PHONY: all test sanitize clean data deps run models bench bench-compare test-cuda cuda-objects
all: $(PROGRAM)

$(BUILD)/%.o: %.c $(wildcard nn/*.h app/*.h tests/*.h) | $(BUILD)/nn $(BUILD)/app $(BUILD)/tests
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/nn/kernels_cuda.o: nn/kernels_cuda.cu nn/kernels_cuda.h nn/kernels.h nn/error.h | $(BUILD)/nn
	$(NVCC) $(NVCCFLAGS) -c $< -o $@

$(BUILD)/nn $(BUILD)/app $(BUILD)/tests $(BUILD)/tests/cuda:
	mkdir -p $@

$(BUILD)/tests/cuda/%.o: tests/cuda/%.c $(wildcard nn/*.h) | $(BUILD)/tests/cuda
	$(CC) $(CFLAGS) -c $< -o $@

$(CUDA_TEST): $(BUILD)/tests/cuda/test_cuda_conformance.o $(BUILD)/libnn.a
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(PKGS_TEST)) $(LIBS_NN)

$(BUILD)/libnn.a: $(NN_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libapp.a: $(APP_OBJ)
	rm -f $@ && ar rcs $@ $^

$(PROGRAM): $(BUILD)/app/main.o $(BUILD)/libapp.a $(BUILD)/libnn.a
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

# CUDA vs CPU conformance (needs a GPU; MNIST for the training-curve case).
test-cuda:
ifeq ($(CUDA),1)
	@$(MAKE) --no-print-directory CUDA=1 $(PROGRAM) $(CUDA_TEST)
	$(CUDA_TEST)
else
	@$(MAKE) --no-print-directory CUDA=1 test-cuda
endif

# CI's compile check of the CUDA objects (no GPU needed).
cuda-objects:
	@$(MAKE) --no-print-directory CUDA=1 build-cuda/nn/kernels_cuda.o \
	  build-cuda/tests/cuda/test_cuda_conformance.o

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

clean:
	rm -rf build build-san build-cuda dyad
