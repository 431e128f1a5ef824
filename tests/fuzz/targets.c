#include "targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h>

#include "../../app/render/image_load.h"
#include "../../app/window/script.h"
#include "../../nn/checkpoint.h"
#include "../../nn/idx.h"
#include "../../nn/mlp.h"

nn_status fuzz_target_idx(const char *path) {
    nn_error err;
    nn_idx_images images;
    nn_idx_labels labels;
    nn_status st = nn_idx_load_images(path, &images, &err);
    if (st == NN_OK) nn_idx_free_images(&images);
    nn_status st2 = nn_idx_load_labels(path, 10, &labels, &err);
    if (st2 == NN_OK) nn_idx_free_labels(&labels);
    return st == NN_OK ? st : st2;
}

nn_status fuzz_target_checkpoint(const char *path) {
    nn_error err;
    nn_mlp net;
    nn_status st = nn_checkpoint_load(path, &net, NULL, &err);
    if (st != NN_OK) return st;
    st = nn_mlp_reserve(&net, 1, &err);
    if (st == NN_OK) {
        for (int i = 0; i < net.in; i++) net.acts[0][i] = (float)(i % 7) / 7.0f;
        nn_mlp_forward(&net, 1);
    }
    nn_mlp_free(&net);
    return st;
}

nn_status fuzz_target_layers(const char *text) {
    nn_error err;
    nn_layer_spec specs[64];
    int n = nn_mlp_parse_layers(text, specs, 64, &err);
    if (n < 0) return NN_ERR_ARG;
    return nn_mlp_check_specs(784, specs, n, &err);
}

nn_status fuzz_target_script(const char *text) {
    nn_error err;
    script s;
    nn_status st = script_parse(text, "fuzz", &s, &err);
    if (st == NN_OK) script_free(&s);
    return st;
}

/* Images declaring more pixels than this are skipped (answered as an error)
 * while fuzzing: stb allocates and fills the declared size before finding the
 * data short, which at up to IMAGE_MAX_PIXELS costs milliseconds a run under
 * ASan. The size limit itself is tested in tests/test_bad_inputs.c. */
#define FUZZ_IMAGE_MAX_PIXELS (1 << 16)

nn_status fuzz_target_image(const char *path) {
    nn_error err;
    FILE *f = fopen(path, "rb");
    if (!f) return NN_ERR_IO;
    int w, h, channels;
    int known = stbi_info_from_file(f, &w, &h, &channels);
    fclose(f);
    if (known && (long long)abs(w) * abs(h) > FUZZ_IMAGE_MAX_PIXELS) return NN_ERR_ARG;
    uint8_t digit[NN_DIGIT_PIXELS];
    return image_load_digit(path, digit, &err);
}

const fuzz_target fuzz_targets[5] = {
    {"idx", 0, fuzz_target_idx},
    {"checkpoint", 0, fuzz_target_checkpoint},
    {"layers", 1, fuzz_target_layers},
    {"script", 1, fuzz_target_script},
    {"image", 0, fuzz_target_image},
};
