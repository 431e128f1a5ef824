/* Data augmentation (nn/augment): the warp of an identity transform is the
 * identity, a shift moves the centre of mass by the shift, rotation turns the
 * right way, values stay in [0,1], the same (seed, epoch, index) gives the same
 * image whatever the thread count, and with augmentation off nn_train_epoch is
 * bit-identical to the plain gather. Also the dataset part of the training
 * record: name and sha256 of the files' contents, never the folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../nn/augment.h"
#include "../nn/checkpoint.h"
#include "../nn/dataset.h"
#include "../nn/train.h"
#include "support.h"

#define W 28
#define H 28
#define N (W * H)

static void random_image(nn_rng *r, float *img) {
    for (int i = 0; i < N; i++) img[i] = nn_rng_uniform(r);
}

/* A soft blob centred at (cx, cy), zero far from it. */
static void blob(float *img, float cx, float cy) {
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
            img[y * W + x] = d2 < 16.0f ? 1.0f - d2 / 16.0f : 0.0f;
        }
}

static void centre_of_mass(const float *img, double *cx, double *cy) {
    double m = 0, sx = 0, sy = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            m += img[y * W + x];
            sx += x * img[y * W + x];
            sy += y * img[y * W + x];
        }
    *cx = sx / m, *cy = sy / m;
}

static float *pad_buffer(void) { return malloc(sizeof(float) * (W + 2) * (H + 2)); }

static void test_identity_warp_is_identity(void **state) {
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 11);
    float src[N], dst[N], *pad = pad_buffer();
    random_image(&r, src);
    nn_augment_affine t;
    nn_augment_affine_make(&t, 0, 1, 0, 0, 0, W, H);
    nn_augment_warp(src, dst, W, H, &t, NULL, NULL, pad);
    for (int i = 0; i < N; i++) assert_float_equal(dst[i], src[i], 1e-6);
    nn_augment_warp(src, dst, W, H, NULL, NULL, NULL, pad);
    assert_memory_equal(dst, src, sizeof src);
    free(pad);
}

static void test_elastic_alpha_zero_is_identity(void **state) {
    (void)state;
    nn_augment_config cfg;
    nn_augment_config_default(&cfg);
    cfg.parts = NN_AUGMENT_ELASTIC;
    cfg.elastic_alpha = 0;
    nn_augment_plan plan;
    nn_error err;
    assert_int_equal(nn_augment_plan_create(&plan, &cfg, W, H, 1, &err), NN_OK);
    nn_rng r;
    nn_rng_seed(&r, 12);
    float src[N], dst[N], *scratch = malloc(sizeof(float) * nn_augment_image_scratch(W, H));
    random_image(&r, src);
    nn_augment_image(&plan, 1, 0, src, dst, scratch);
    for (int i = 0; i < N; i++) assert_float_equal(dst[i], src[i], 1e-6);
    /* and with alpha > 0 the same image does move */
    nn_augment_plan_free(&plan);
    cfg.elastic_alpha = 34;
    assert_int_equal(nn_augment_plan_create(&plan, &cfg, W, H, 1, &err), NN_OK);
    nn_augment_image(&plan, 1, 0, src, dst, scratch);
    double diff = 0;
    for (int i = 0; i < N; i++) diff += fabs(dst[i] - src[i]);
    assert_true(diff > 1.0);
    free(scratch);
    nn_augment_plan_free(&plan);
}

static void test_shift_moves_centre_of_mass(void **state) {
    (void)state;
    const float shifts[][2] = {{3, -2}, {-4, 1}, {1.5f, 0.25f}, {0, 0}};
    float src[N], dst[N], *pad = pad_buffer();
    blob(src, 13.0f, 14.0f);
    double x0, y0;
    centre_of_mass(src, &x0, &y0);
    for (size_t k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
        nn_augment_affine t;
        nn_augment_affine_make(&t, 0, 1, 0, shifts[k][0], shifts[k][1], W, H);
        nn_augment_warp(src, dst, W, H, &t, NULL, NULL, pad);
        double x1, y1;
        centre_of_mass(dst, &x1, &y1);
        /* bilinear interpolation keeps first moments of content away from borders */
        assert_float_equal(x1 - x0, shifts[k][0], 1e-3);
        assert_float_equal(y1 - y0, shifts[k][1], 1e-3);
    }
    free(pad);
}

static void test_rotation_and_scale_about_centre(void **state) {
    (void)state;
    float src[N], dst[N], *pad = pad_buffer();
    double cx, cy, x1, y1;
    /* a blob right of centre, turned 90 degrees counter-clockwise on screen
     * (y down), lands above the centre */
    float c = 0.5f * (W - 1);
    blob(src, c + 6, c);
    nn_augment_affine t;
    nn_augment_affine_make(&t, 90, 1, 0, 0, 0, W, H);
    nn_augment_warp(src, dst, W, H, &t, NULL, NULL, pad);
    centre_of_mass(dst, &cx, &cy);
    assert_float_equal(cx, c, 1e-3);
    assert_float_equal(cy, c - 6, 1e-3);
    /* scale 1.5 about the centre moves a blob at +4 out to +6 */
    blob(src, c + 4, c);
    nn_augment_affine_make(&t, 0, 1.5f, 0, 0, 0, W, H);
    nn_augment_warp(src, dst, W, H, &t, NULL, NULL, pad);
    centre_of_mass(dst, &x1, &y1);
    assert_float_equal(x1, c + 6, 2e-2);
    assert_float_equal(y1, c, 1e-3);
    free(pad);
}

static void test_values_stay_in_unit_range(void **state) {
    (void)state;
    nn_rng r;
    nn_rng_seed(&r, 13);
    float src[N], dst[N], *scratch = malloc(sizeof(float) * nn_augment_image_scratch(W, H));
    for (int trial = 0; trial < 40; trial++) {
        nn_augment_config cfg;
        nn_augment_config_default(&cfg);
        cfg.parts = 1 + nn_rng_below(&r, 3);
        cfg.rotate_deg = 180 * nn_rng_uniform(&r);
        cfg.shift_px = 10 * nn_rng_uniform(&r);
        cfg.scale = 0.9f * nn_rng_uniform(&r);
        cfg.shear_deg = 60 * nn_rng_uniform(&r);
        cfg.elastic_alpha = 200 * nn_rng_uniform(&r);
        cfg.elastic_sigma = 0.5f + 8 * nn_rng_uniform(&r);
        cfg.seed = nn_rng_next(&r);
        nn_augment_plan plan;
        assert_int_equal(nn_augment_plan_create(&plan, &cfg, W, H, 1, NULL), NN_OK);
        random_image(&r, src);
        src[0] = 1.0f, src[1] = 0.0f;
        nn_augment_image(&plan, (uint64_t)trial, (uint64_t)trial * 7, src, dst, scratch);
        for (int i = 0; i < N; i++) assert_true(dst[i] >= 0.0f && dst[i] <= 1.0f);
        nn_augment_plan_free(&plan);
    }
    free(scratch);
}

static void distort(uint64_t seed, uint64_t epoch, uint64_t index, const float *src, float *dst) {
    nn_augment_config cfg;
    nn_augment_config_default(&cfg);
    cfg.parts = NN_AUGMENT_AFFINE | NN_AUGMENT_ELASTIC;
    cfg.seed = seed;
    nn_augment_plan plan;
    assert_int_equal(nn_augment_plan_create(&plan, &cfg, W, H, 1, NULL), NN_OK);
    float *scratch = malloc(sizeof(float) * nn_augment_image_scratch(W, H));
    nn_augment_image(&plan, epoch, index, src, dst, scratch);
    free(scratch);
    nn_augment_plan_free(&plan);
}

static void test_same_seed_same_images(void **state) {
    (void)state;
    float src[N], a[N], b[N];
    blob(src, 12, 15);
    distort(7, 3, 5, src, a);
    distort(7, 3, 5, src, b);
    assert_memory_equal(a, b, sizeof a);
    distort(7, 4, 5, src, b); /* another epoch */
    assert_memory_not_equal(a, b, sizeof a);
    distort(7, 3, 6, src, b); /* another image index */
    assert_memory_not_equal(a, b, sizeof a);
    distort(8, 3, 5, src, b); /* another seed */
    assert_memory_not_equal(a, b, sizeof a);
}

/* A small synthetic set: count images of w x h with a bright bar whose place
 * depends on the label. */
static void synthetic(nn_idx_images *images, nn_idx_labels *labels, int count, int w, int h,
                      uint64_t seed) {
    nn_rng r;
    nn_rng_seed(&r, seed);
    images->count = labels->count = count;
    images->rows = h, images->cols = w;
    images->pixels = calloc((size_t)count * w * h, 1);
    labels->labels = malloc((size_t)count);
    assert_non_null(images->pixels);
    assert_non_null(labels->labels);
    for (int s = 0; s < count; s++) {
        int label = (int)nn_rng_below(&r, 10);
        labels->labels[s] = (uint8_t)label;
        uint8_t *img = images->pixels + (size_t)s * w * h;
        for (int y = 0; y < h; y++) {
            img[y * w + (label * (w - 1)) / 9] = 255;
            img[y * w + nn_rng_below(&r, (uint32_t)w)] = (uint8_t)nn_rng_below(&r, 256);
        }
    }
}

static void test_gather_same_for_any_thread_count(void **state) {
    (void)state;
    nn_idx_images images;
    nn_idx_labels labels;
    synthetic(&images, &labels, 40, W, H, 21);
    int indices[13] = {3, 1, 4, 15, 9, 26, 5, 35, 8, 39, 7, 0, 2}, count = 13;
    nn_augment_config cfg;
    nn_augment_config_default(&cfg);
    cfg.parts = NN_AUGMENT_AFFINE | NN_AUGMENT_ELASTIC;
    cfg.seed = 99;
    float *x1 = malloc(sizeof(float) * N * count), *x3 = malloc(sizeof(float) * N * count);
    nn_augment_plan p1, p3;
    nn_compute *compute;
    assert_int_equal(nn_augment_plan_create(&p1, &cfg, W, H, 1, NULL), NN_OK);
    assert_int_equal(nn_augment_plan_create(&p3, &cfg, W, H, 3, NULL), NN_OK);
    assert_int_equal(nn_compute_create(&compute, 3, NULL), NN_OK);
    nn_augment_gather_batch(&p1, NULL, x1, &images, indices, count, 2);
    nn_augment_gather_batch(&p3, compute, x3, &images, indices, count, 2);
    assert_memory_equal(x1, x3, sizeof(float) * N * count);
    /* each column is nn_augment_image of that image for (epoch, index) */
    float src[N], dst[N], *scratch = malloc(sizeof(float) * nn_augment_image_scratch(W, H));
    for (int s = 0; s < count; s++) {
        for (int p = 0; p < N; p++)
            src[p] = images.pixels[(size_t)indices[s] * N + p] * (1.0f / 255.0f);
        nn_augment_image(&p1, 2, (uint64_t)indices[s], src, dst, scratch);
        for (int p = 0; p < N; p++) assert_true(x1[(size_t)p * count + s] == dst[p]);
    }
    free(scratch);
    nn_compute_free(compute);
    nn_augment_plan_free(&p1);
    nn_augment_plan_free(&p3);
    free(x1);
    free(x3);
    nn_idx_free_images(&images);
    nn_idx_free_labels(&labels);
}

/* The training loop as it was before augmentation existed, step for step:
 * the plain gather, then the same fused step nn_train_epoch takes. */
static void reference_epoch(nn_train_loop *loop, nn_mlp *net, nn_optimizer *opt, nn_rng *r,
                            const nn_idx_images *images, const nn_idx_labels *labels) {
    nn_rng_shuffle(r, loop->order, loop->count);
    int nbatches = (loop->count + loop->batch - 1) / loop->batch;
    long total_steps = (long)nbatches * loop->epochs;
    for (int bi = 0; bi < nbatches; bi++) {
        int first = bi * loop->batch;
        int count = loop->count - first < loop->batch ? loop->count - first : loop->batch;
        const int *idx = loop->order + first;
        for (int s = 0; s < count; s++) loop->labels[s] = labels->labels[idx[s]];
        nn_train_gather_batch(net, images, idx, count);
        nn_mlp_forward(net, count);
        nn_optim_backward_step(opt, net, loop->labels, count,
                            nn_optim_lr_at(&opt->cfg, loop->step, total_steps), NULL);
        loop->step++;
    }
}

static void test_augment_off_is_bit_identical(void **state) {
    (void)state;
    nn_idx_images images;
    nn_idx_labels labels;
    synthetic(&images, &labels, 150, 8, 8, 31);
    const nn_layer_spec specs[] = {{NN_LAYER_DYAD_IT, 4, 16, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    nn_optim_config oc = {.kind = NN_OPTIM_SGD, .lr = 0.05f, .momentum = 0.9f,
                       .schedule = NN_SCHEDULE_COSINE};
    nn_mlp nets[2];
    nn_optimizer opts[2];
    memset(opts, 0, sizeof opts);
    nn_train_loop loops[2];
    nn_rng shuffles[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(nn_mlp_create(&nets[k], 64, specs, 2, 1, NULL), NN_OK);
        assert_int_equal(nn_mlp_reserve(&nets[k], 32, NULL), NN_OK);
        assert_int_equal(nn_optim_create(&opts[k], &oc, nets[k].nparams, NULL), NN_OK);
        assert_int_equal(nn_train_loop_create(&loops[k], images.count, 32, 3, NULL), NN_OK);
        nn_mlp_init(&nets[k], 5);
        nn_rng_seed(&shuffles[k], 6);
    }
    assert_null(loops[0].augment); /* off unless the caller sets a plan */
    for (int epoch = 1; epoch <= 3; epoch++) {
        nn_train_progress p;
        nn_train_epoch(&loops[0], &nets[0], &opts[0], &shuffles[0], &images, &labels, epoch, &p,
                    NULL, 1, NULL);
        reference_epoch(&loops[1], &nets[1], &opts[1], &shuffles[1], &images, &labels);
    }
    assert_memory_equal(nets[0].params, nets[1].params, sizeof(float) * nets[0].nparams);
    /* and switching a plan on does change the run (the hook is live) */
    nn_augment_config cfg;
    nn_augment_config_default(&cfg);
    cfg.parts = NN_AUGMENT_AFFINE;
    nn_augment_plan plan;
    assert_int_equal(nn_augment_plan_create(&plan, &cfg, 8, 8, 1, NULL), NN_OK);
    loops[0].augment = &plan;
    nn_train_progress p;
    nn_train_epoch(&loops[0], &nets[0], &opts[0], &shuffles[0], &images, &labels, 4, &p, NULL, 1,
                NULL);
    reference_epoch(&loops[1], &nets[1], &opts[1], &shuffles[1], &images, &labels);
    assert_memory_not_equal(nets[0].params, nets[1].params, sizeof(float) * nets[0].nparams);
    nn_augment_plan_free(&plan);
    for (int k = 0; k < 2; k++) {
        nn_train_loop_free(&loops[k]);
        nn_optim_free(&opts[k]);
        nn_mlp_free(&nets[k]);
    }
    nn_idx_free_images(&images);
    nn_idx_free_labels(&labels);
}

static void test_parse_and_describe(void **state) {
    (void)state;
    nn_augment_config cfg;
    nn_augment_config_default(&cfg);
    nn_error err;
    assert_int_equal(nn_augment_parse_parts("affine,elastic", &cfg, &err), NN_OK);
    assert_int_equal(cfg.parts, NN_AUGMENT_AFFINE | NN_AUGMENT_ELASTIC);
    assert_int_equal(nn_augment_parse_parts("elastic", &cfg, &err), NN_OK);
    assert_int_equal(cfg.parts, NN_AUGMENT_ELASTIC);
    assert_int_equal(nn_augment_parse_parts("none", &cfg, &err), NN_OK);
    assert_int_equal(cfg.parts, 0);
    assert_int_equal(nn_augment_parse_parts("affine,wobble", &cfg, &err), NN_ERR_ARG);
    assert_non_null(strstr(err.msg, "wobble"));
    assert_int_equal(nn_augment_parse_elastic("30,5", &cfg, &err), NN_OK);
    assert_float_equal(cfg.elastic_alpha, 30, 0);
    assert_float_equal(cfg.elastic_sigma, 5, 0);
    assert_int_equal(nn_augment_parse_elastic("30", &cfg, &err), NN_ERR_ARG);
    assert_int_equal(nn_augment_parse_elastic("30,0", &cfg, &err), NN_ERR_ARG);
    assert_int_equal(nn_augment_parse_elastic("-1,4", &cfg, &err), NN_ERR_ARG);
    char buf[256];
    cfg.parts = 0;
    nn_augment_describe(&cfg, buf, sizeof buf);
    assert_string_equal(buf, "none");
    cfg.parts = NN_AUGMENT_ELASTIC;
    nn_augment_describe(&cfg, buf, sizeof buf);
    assert_string_equal(buf, "elastic --augment-elastic 30,5");
}

/* sha256("abc"), FIPS 180-2 appendix B.1 */
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_sha256_of_content_raw_or_gzip(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char raw[4200], gz[4200], hex[65];
    snprintf(raw, sizeof raw, "%s/abc", dir);
    snprintf(gz, sizeof gz, "%s/abc.gz", dir);
    assert_int_equal(test_write_file(raw, "abc", 3), 0);
    gzFile f = gzopen(gz, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, "abc", 3), 3);
    assert_int_equal(gzclose(f), Z_OK);
    nn_error err;
    assert_int_equal(nn_dataset_sha256_file(raw, hex, &err), NN_OK);
    assert_string_equal(hex, SHA256_ABC);
    assert_int_equal(nn_dataset_sha256_file(gz, hex, &err), NN_OK);
    assert_string_equal(hex, SHA256_ABC);
    snprintf(raw, sizeof raw, "%s/missing", dir);
    assert_int_equal(nn_dataset_sha256_file(raw, hex, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, "missing"));
    test_tmpdir_remove(dir);
}

static void save_set(const char *dir, const char *images_name, const char *labels_name,
                     int count, uint64_t seed) {
    nn_idx_images images;
    nn_idx_labels labels;
    synthetic(&images, &labels, count, W, H, seed);
    char path[4200];
    nn_error err;
    snprintf(path, sizeof path, "%s/%s", dir, images_name);
    assert_int_equal(nn_idx_save_images(path, &images, &err), NN_OK);
    snprintf(path, sizeof path, "%s/%s", dir, labels_name);
    assert_int_equal(nn_idx_save_labels(path, &labels, &err), NN_OK);
    nn_idx_free_images(&images);
    nn_idx_free_labels(&labels);
}

static void test_record_names_dataset_not_folder(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    save_set(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 300, 41);
    save_set(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 50, 42);
    nn_dataset_identity id;
    nn_error err;
    assert_int_equal(nn_dataset_identify(dir, &id, &err), NN_OK);
    assert_string_equal(id.name, "custom");
    char path[4200], hex[65];
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", dir);
    assert_int_equal(nn_dataset_sha256_file(path, hex, &err), NN_OK);
    assert_string_equal(id.sha256[2], hex);

    static char out[65536];
    char cmd[9000];
    snprintf(cmd, sizeof cmd,
             "%s train --data %s --hidden 16 --epochs 1 --threads 2 --augment affine,elastic "
             "--augment-rotate 12 --augment-elastic 30,5 --out %s/m.safetensors",
             test_dyad_bin(), dir, dir);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("'%s' exited %d:\n%s", cmd, rc, out);
    snprintf(path, sizeof path, "%s/m.safetensors", dir);
    nn_mlp net;
    nn_train_record rec;
    assert_int_equal(nn_checkpoint_load(path, &net, &rec, &err), NN_OK);
    nn_mlp_free(&net);
    assert_string_equal(rec.dataset, "custom");
    assert_null(strstr(rec.dataset_sha256, dir));
    assert_null(strstr(rec.dataset, "/"));
    char pair[128];
    snprintf(pair, sizeof pair, "\"t10k-images-idx3-ubyte\":\"%s\"", hex);
    assert_non_null(strstr(rec.dataset_sha256, pair));
    assert_non_null(strstr(rec.augment, "affine,elastic"));
    assert_non_null(strstr(rec.augment, "--augment-rotate 12"));
    assert_non_null(strstr(rec.augment, "--augment-elastic 30,5"));

    snprintf(cmd, sizeof cmd, "%s info %s", test_dyad_bin(), path);
    rc = test_run(cmd, out, sizeof out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "dataset:       custom"));
    assert_non_null(strstr(out, hex));
    assert_non_null(strstr(out, "augment:       affine,elastic"));
    assert_null(strstr(strstr(out, "training record:"), dir));

    /* a strength for a part that is off is refused */
    snprintf(cmd, sizeof cmd, "%s train --data %s --augment elastic --augment-rotate 5 --out %s/x",
             test_dyad_bin(), dir, dir);
    assert_int_equal(test_run(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "need --augment affine"));

    /* the preview draws from the same folder */
    snprintf(cmd, sizeof cmd, "%s augment-preview --data %s --epochs 3 --out %s/grid.png",
             test_dyad_bin(), dir, dir);
    rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("'%s' exited %d:\n%s", cmd, rc, out);
    snprintf(path, sizeof path, "%s/grid.png", dir);
    FILE *png = fopen(path, "rb");
    assert_non_null(png);
    fclose(png);
    test_tmpdir_remove(dir);
}

/* Known datasets are named by their content (decompressed idx bytes). */
static void test_mnist_and_fashion_identified(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    nn_dataset_identity id;
    nn_error err;
    assert_int_equal(nn_dataset_identify(mnist, &id, &err), NN_OK);
    assert_string_equal(id.name, "mnist");
    /* the uncompressed train-images sha256 from MNIST's published sums */
    assert_string_equal(id.sha256[0],
                        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
    const char *fashion = "/usr/share/datasets/fashion-mnist";
    if (nn_dataset_identify(fashion, &id, &err) == NN_OK) assert_string_equal(id.name, "fashion-mnist");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_warp_is_identity),
        cmocka_unit_test(test_elastic_alpha_zero_is_identity),
        cmocka_unit_test(test_shift_moves_centre_of_mass),
        cmocka_unit_test(test_rotation_and_scale_about_centre),
        cmocka_unit_test(test_values_stay_in_unit_range),
        cmocka_unit_test(test_same_seed_same_images),
        cmocka_unit_test(test_gather_same_for_any_thread_count),
        cmocka_unit_test(test_augment_off_is_bit_identical),
        cmocka_unit_test(test_parse_and_describe),
        cmocka_unit_test(test_sha256_of_content_raw_or_gzip),
        cmocka_unit_test(test_record_names_dataset_not_folder),
        cmocka_unit_test(test_mnist_and_fashion_identified),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
