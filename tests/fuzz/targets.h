/* What each fuzz harness runs on one input, shared by the libFuzzer
 * harnesses (fuzz_*.c) and the cmocka test that replays the inputs kept in
 * tests/fuzz/regressions/. Each returns the parser's status; a crash, a leak
 * or a sanitizer report is the failure, an error status is the normal answer
 * to a bad input. Inputs that need a file are read from path. */
#ifndef TESTS_FUZZ_TARGETS_H
#define TESTS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "../../nn/error.h"

/* nn_idx_load_images, then nn_idx_load_labels, on the same file (raw or gzip). */
nn_status fuzz_target_idx(const char *path);
/* nn_checkpoint_load, then one forward pass of the net on a fixed input. */
nn_status fuzz_target_checkpoint(const char *path);
/* nn_mlp_parse_layers + nn_mlp_check_specs (784 inputs) on text. */
nn_status fuzz_target_layers(const char *text);
/* script_parse on text. */
nn_status fuzz_target_script(const char *text);
/* image_load_digit (stb_image + our conversion) + preprocessing. */
nn_status fuzz_target_image(const char *path);

/* Names of the targets, as used for tests/fuzz/seeds/NAME and
 * tests/fuzz/regressions/NAME; takes_text: 1 for text, 0 for a file path. */
typedef struct {
    const char *name;
    int takes_text;
    nn_status (*run)(const char *arg);
} fuzz_target;

extern const fuzz_target fuzz_targets[5];

#endif
