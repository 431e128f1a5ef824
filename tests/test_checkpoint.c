/* Checkpoints: round trip, every bad-input check, atomic saves, a seeded
 * mutation fuzz, an independent Python reader, and `dyad info`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

#include <cJSON.h>
#include <dirent.h>
#include <float.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../nn/checkpoint.h"
#include "../nn/rng.h"

/* ------------------------------------------------------------- helpers */

/* The mixed net: every kind, several ndyad. */
static void make_mixed(nn_mlp *net, uint64_t seed) {
    nn_layer_spec specs[] = {
        {NN_LAYER_DENSE, 1, 16, 0},
        {NN_LAYER_DYAD_IT, 2, 16, 0},
        {NN_LAYER_DYAD_OT, 4, 8, 0},
        {NN_LAYER_DYAD_DT, 2, 8, 0},
        {NN_LAYER_DENSE, 1, 10, 0},
    };
    nn_error err;
    assert_int_equal(nn_mlp_create(net, 12, specs, 5, 0, &err), NN_OK);
    nn_mlp_init(net, seed);
}

/* The small net of the bad-input tests: 4 -> dyad-it/2:4 -> dense:2. Tensors:
 * layers.0.wl/wu [2,2,2] (32 bytes each), layers.0.bias [4] (16),
 * layers.1.weight [2,4] (32), layers.1.bias [2] (8): 120 data bytes. */
static void make_small(nn_mlp *net) {
    nn_layer_spec specs[] = {{NN_LAYER_DYAD_IT, 2, 4, 0}, {NN_LAYER_DENSE, 1, 2, 0}};
    nn_error err;
    assert_int_equal(nn_mlp_create(net, 4, specs, 2, 0, &err), NN_OK);
    nn_mlp_init(net, 7);
}

static void make_record(nn_train_record *rec) {
    nn_train_record_clear(rec);
    snprintf(rec->dataset, sizeof rec->dataset, "mnist:/data/mnist");
    snprintf(rec->optimizer, sizeof rec->optimizer, "adam");
    rec->epochs = 5;
    rec->batch = 64;
    rec->lr = 0.01;
    rec->seed = 12345678901234567ULL;
    rec->test_accuracy = 0.9805;
}

static uint64_t get_u64le(const unsigned char *p) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; b--) v = v << 8 | p[b];
    return v;
}

static void put_u64le(unsigned char *p, uint64_t v) {
    for (int b = 0; b < 8; b++) p[b] = (unsigned char)(v >> (8 * b));
}

/* Writes header text (padded to 8) followed by data into path. */
static void write_checkpoint_raw(const char *path, const char *header, const unsigned char *data,
                                 size_t data_size) {
    size_t hlen = strlen(header), padded = (hlen + 7) & ~(size_t)7;
    size_t total = 8 + padded + data_size;
    unsigned char *buf = malloc(total);
    assert_non_null(buf);
    put_u64le(buf, padded);
    memcpy(buf + 8, header, hlen);
    memset(buf + 8 + hlen, ' ', padded - hlen);
    if (data_size) memcpy(buf + 8 + padded, data, data_size);
    assert_int_equal(test_write_file(path, buf, total), 0);
    free(buf);
}

/* A valid checkpoint split into its parsed header and its data. */
typedef struct {
    cJSON *root;
    unsigned char *file;
    size_t size;
    const unsigned char *data;
    size_t data_size;
} parsed_file;

static void parse_file(const char *path, parsed_file *pf) {
    pf->file = test_read_whole(path, &pf->size);
    assert_true(pf->size >= 8);
    uint64_t hlen = get_u64le(pf->file);
    assert_true(8 + hlen <= pf->size);
    pf->root = cJSON_ParseWithLength((const char *)pf->file + 8, hlen);
    assert_non_null(pf->root);
    pf->data = pf->file + 8 + hlen;
    pf->data_size = pf->size - 8 - hlen;
}

static void parsed_free(parsed_file *pf) {
    cJSON_Delete(pf->root);
    free(pf->file);
}

/* Writes pf's (edited) header with its original data to path. */
static void write_parsed(const char *path, const parsed_file *pf) {
    char *text = cJSON_PrintUnformatted(pf->root);
    assert_non_null(text);
    write_checkpoint_raw(path, text, pf->data, pf->data_size);
    cJSON_free(text);
}

/* Loads path expecting failure with code, a message naming the file,
 * containing every phrase, on one line, and a zeroed net. */
static void expect_load_error(const char *what, const char *path, nn_status code,
                              const char *phrase1, const char *phrase2) {
    nn_mlp net;
    nn_train_record rec;
    nn_error err = {{0}};
    nn_status st = nn_checkpoint_load(path, &net, &rec, &err);
    if (st != code)
        fail_msg("%s: load returned %d, expected %d (msg: %s)", what, st, code, err.msg);
    if (!strstr(err.msg, path)) fail_msg("%s: message does not name the file: %s", what, err.msg);
    if (phrase1 && !strstr(err.msg, phrase1))
        fail_msg("%s: message lacks '%s': %s", what, phrase1, err.msg);
    if (phrase2 && !strstr(err.msg, phrase2))
        fail_msg("%s: message lacks '%s': %s", what, phrase2, err.msg);
    if (strchr(err.msg, '\n')) fail_msg("%s: message spans lines: %s", what, err.msg);
    assert_null(net.params);
    assert_null(net.layers);
}

static double tensor_sum(const float *p, size_t count) {
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) sum += p[i];
    return sum;
}

/* ----------------------------------------------------------- round trip */

static void test_record_clear(void **state) {
    (void)state;
    nn_train_record rec;
    memset(&rec, 0x5a, sizeof rec);
    nn_train_record_clear(&rec);
    assert_string_equal(rec.dataset, "");
    assert_string_equal(rec.optimizer, "");
    assert_int_equal(rec.epochs, -1);
    assert_int_equal(rec.batch, -1);
    assert_true(rec.lr < 0);
    assert_true(rec.test_accuracy < 0);
    assert_int_equal(rec.seed, 0);
}

static void test_round_trip(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/mixed.safetensors", dir);
    nn_mlp net, back;
    make_mixed(&net, 42);
    /* values that expose byte-order or conversion mistakes */
    net.params[0] = -0.0f;
    net.params[1] = FLT_MAX; /* NaN and infinities are refused at load (test_bad_inputs) */
    net.params[2] = -FLT_MAX;
    net.params[3] = 1e-45f; /* denormal */
    net.params[net.nparams - 1] = -3.5f;
    nn_train_record rec, rec_back;
    make_record(&rec);
    nn_error err;
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);
    assert_int_equal(test_count_temp_files(dir), 0);

    assert_int_equal(nn_checkpoint_load(path, &back, &rec_back, &err), NN_OK);
    assert_null(back.grads);
    assert_int_equal(back.in, net.in);
    assert_int_equal(back.nlayers, net.nlayers);
    for (int i = 0; i < net.nlayers; i++) {
        assert_int_equal(back.layers[i].kind, net.layers[i].kind);
        assert_int_equal(back.layers[i].ndyad, net.layers[i].ndyad);
        assert_int_equal(back.layers[i].in, net.layers[i].in);
        assert_int_equal(back.layers[i].out, net.layers[i].out);
        assert_int_equal(back.layers[i].relu, net.layers[i].relu);
    }
    assert_int_equal(back.nparams, net.nparams);
    assert_memory_equal(back.params, net.params, net.nparams * sizeof(float));

    assert_string_equal(rec_back.dataset, rec.dataset);
    assert_string_equal(rec_back.optimizer, rec.optimizer);
    assert_int_equal(rec_back.epochs, rec.epochs);
    assert_int_equal(rec_back.batch, rec.batch);
    assert_true(rec_back.lr == rec.lr);
    assert_true(rec_back.seed == rec.seed);
    assert_true(rec_back.test_accuracy == rec.test_accuracy);

    /* the data section holds params[0..] as little-endian float32 */
    size_t size;
    unsigned char *file = test_read_whole(path, &size);
    uint64_t hlen = get_u64le(file);
    assert_int_equal(hlen % 8, 0);
    assert_int_equal(size, 8 + hlen + 4 * net.nparams);
    float last = -3.5f;
    uint32_t bits;
    memcpy(&bits, &last, 4);
    const unsigned char *tail = file + size - 4;
    assert_int_equal(tail[0] | tail[1] << 8 | tail[2] << 16 | (uint32_t)tail[3] << 24, bits);
    free(file);

    /* same forward pass, with finite parameters this time */
    nn_mlp_free(&back);
    nn_mlp_init(&net, 43);
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);
    assert_int_equal(nn_checkpoint_load(path, &back, NULL, &err), NN_OK);
    const int batch = 3;
    assert_int_equal(nn_mlp_reserve(&net, batch, &err), NN_OK);
    assert_int_equal(nn_mlp_reserve(&back, batch, &err), NN_OK);
    for (int e = 0; e < net.in * batch; e++)
        net.acts[0][e] = back.acts[0][e] = (float)((e * 37) % 11) / 11.0f - 0.4f;
    const float *y1 = nn_mlp_forward(&net, batch);
    const float *y2 = nn_mlp_forward(&back, batch);
    assert_memory_equal(y1, y2, sizeof(float) * (size_t)nn_mlp_classes(&net) * batch);

    nn_mlp_free(&net);
    nn_mlp_free(&back);
    test_tmpdir_remove(dir);
}

static void test_record_optional(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/small.safetensors", dir);
    nn_mlp net, back;
    make_small(&net);
    nn_train_record rec;
    nn_error err;

    /* no record at all: loads as cleared, no dyad.* keys besides layers/format */
    assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
    memset(&rec, 0x11, sizeof rec);
    assert_int_equal(nn_checkpoint_load(path, &back, &rec, &err), NN_OK);
    assert_string_equal(rec.dataset, "");
    assert_int_equal(rec.epochs, -1);
    assert_true(rec.test_accuracy < 0);
    nn_mlp_free(&back);
    parsed_file pf;
    parse_file(path, &pf);
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(pf.root, "__metadata__");
    assert_int_equal(cJSON_GetArraySize(meta), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(meta, "dyad.format")->valuestring, "1");
    parsed_free(&pf);

    /* a partial record: unknown fields are omitted, seed 0 is kept */
    nn_train_record_clear(&rec);
    rec.epochs = 3;
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);
    parse_file(path, &pf);
    meta = cJSON_GetObjectItemCaseSensitive(pf.root, "__metadata__");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(meta, "dyad.epochs")->valuestring, "3");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(meta, "dyad.seed")->valuestring, "0");
    assert_null(cJSON_GetObjectItemCaseSensitive(meta, "dyad.lr"));
    assert_null(cJSON_GetObjectItemCaseSensitive(meta, "dyad.dataset"));
    parsed_free(&pf);
    nn_train_record got;
    assert_int_equal(nn_checkpoint_load(path, &back, &got, &err), NN_OK);
    assert_int_equal(got.epochs, 3);
    assert_int_equal(got.batch, -1);
    assert_true(got.lr < 0);
    nn_mlp_free(&back);

    /* the dyad.layers metadata says what the spec says */
    parse_file(path, &pf);
    meta = cJSON_GetObjectItemCaseSensitive(pf.root, "__metadata__");
    cJSON *layers = cJSON_Parse(cJSON_GetObjectItemCaseSensitive(meta, "dyad.layers")->valuestring);
    assert_non_null(layers);
    assert_int_equal(cJSON_GetArraySize(layers), 2);
    cJSON *l0 = cJSON_GetArrayItem(layers, 0), *l1 = cJSON_GetArrayItem(layers, 1);
    assert_string_equal(cJSON_GetObjectItem(l0, "kind")->valuestring, "dyad-it");
    assert_int_equal(cJSON_GetObjectItem(l0, "ndyad")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(l0, "in")->valueint, 4);
    assert_int_equal(cJSON_GetObjectItem(l0, "out")->valueint, 4);
    assert_string_equal(cJSON_GetObjectItem(l0, "activation")->valuestring, "relu");
    assert_string_equal(cJSON_GetObjectItem(l1, "kind")->valuestring, "dense");
    assert_int_equal(cJSON_GetObjectItem(l1, "ndyad")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItem(l1, "activation")->valuestring, "none");
    cJSON_Delete(layers);
    parsed_free(&pf);

    nn_mlp_free(&net);
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------------ bad input */

typedef void (*header_edit)(cJSON *root);

static cJSON *meta_of(cJSON *root) { return cJSON_GetObjectItemCaseSensitive(root, "__metadata__"); }
static cJSON *tensor_of(cJSON *root, const char *name) {
    cJSON *t = cJSON_GetObjectItemCaseSensitive(root, name);
    assert_non_null(t);
    return t;
}
static void set_offsets(cJSON *root, const char *name, double begin, double end) {
    cJSON *t = tensor_of(root, name);
    cJSON *offs = cJSON_CreateArray();
    cJSON_AddItemToArray(offs, cJSON_CreateNumber(begin));
    cJSON_AddItemToArray(offs, cJSON_CreateNumber(end));
    cJSON_ReplaceItemInObjectCaseSensitive(t, "data_offsets", offs);
}
static void set_meta(cJSON *root, const char *key, cJSON *value) {
    cJSON *meta = meta_of(root);
    if (cJSON_GetObjectItemCaseSensitive(meta, key))
        cJSON_ReplaceItemInObjectCaseSensitive(meta, key, value);
    else
        cJSON_AddItemToObject(meta, key, value);
}

/* Edits of the dyad.layers array (parsed, changed, written back as a string). */
typedef void (*layers_edit)(cJSON *layers);
static void edit_layers(cJSON *root, layers_edit edit) {
    cJSON *meta = meta_of(root);
    cJSON *layers = cJSON_Parse(cJSON_GetObjectItemCaseSensitive(meta, "dyad.layers")->valuestring);
    assert_non_null(layers);
    edit(layers);
    char *text = cJSON_PrintUnformatted(layers);
    set_meta(root, "dyad.layers", cJSON_CreateString(text));
    cJSON_free(text);
    cJSON_Delete(layers);
}
static void set_layer_field(cJSON *layers, int i, const char *key, cJSON *value) {
    cJSON *obj = cJSON_GetArrayItem(layers, i);
    cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
}

static void l_unknown_kind(cJSON *l) { set_layer_field(l, 0, "kind", cJSON_CreateString("dyad-xx")); }
static void l_kind_number(cJSON *l) { set_layer_field(l, 0, "kind", cJSON_CreateNumber(1)); }
static void l_not_chaining(cJSON *l) { set_layer_field(l, 1, "in", cJSON_CreateNumber(8)); }
static void l_ndyad_3(cJSON *l) { set_layer_field(l, 0, "ndyad", cJSON_CreateNumber(3)); }
static void l_dense_ndyad(cJSON *l) { set_layer_field(l, 1, "ndyad", cJSON_CreateNumber(2)); }
static void l_ndyad_frac(cJSON *l) { set_layer_field(l, 0, "ndyad", cJSON_CreateNumber(2.5)); }
static void l_last_relu(cJSON *l) { set_layer_field(l, 1, "activation", cJSON_CreateString("relu")); }
static void l_hidden_none(cJSON *l) { set_layer_field(l, 0, "activation", cJSON_CreateString("none")); }
static void l_no_out(cJSON *l) { cJSON_DeleteItemFromObject(cJSON_GetArrayItem(l, 0), "out"); }
static void l_huge_width(cJSON *l) { set_layer_field(l, 1, "out", cJSON_CreateNumber(1e12)); }
static void l_empty(cJSON *l) {
    while (cJSON_GetArraySize(l) > 0) cJSON_DeleteItemFromArray(l, 0);
}
static void l_not_object(cJSON *l) { cJSON_ReplaceItemInArray(l, 1, cJSON_CreateString("dense")); }

static void e_unknown_kind(cJSON *r) { edit_layers(r, l_unknown_kind); }
static void e_kind_number(cJSON *r) { edit_layers(r, l_kind_number); }
static void e_not_chaining(cJSON *r) { edit_layers(r, l_not_chaining); }
static void e_ndyad_3(cJSON *r) { edit_layers(r, l_ndyad_3); }
static void e_dense_ndyad(cJSON *r) { edit_layers(r, l_dense_ndyad); }
static void e_ndyad_frac(cJSON *r) { edit_layers(r, l_ndyad_frac); }
static void e_last_relu(cJSON *r) { edit_layers(r, l_last_relu); }
static void e_hidden_none(cJSON *r) { edit_layers(r, l_hidden_none); }
static void e_no_out(cJSON *r) { edit_layers(r, l_no_out); }
static void e_huge_width(cJSON *r) { edit_layers(r, l_huge_width); }
static void e_layers_empty(cJSON *r) { edit_layers(r, l_empty); }
static void e_layer_not_object(cJSON *r) { edit_layers(r, l_not_object); }
static void e_layers_not_json(cJSON *r) { set_meta(r, "dyad.layers", cJSON_CreateString("[{\"kind\":")); }
static void e_layers_object(cJSON *r) { set_meta(r, "dyad.layers", cJSON_CreateString("{}")); }
static void e_no_layers(cJSON *r) { cJSON_DeleteItemFromObject(meta_of(r), "dyad.layers"); }
static void e_no_meta(cJSON *r) { cJSON_DeleteItemFromObject(r, "__metadata__"); }
static void e_meta_array(cJSON *r) { cJSON_ReplaceItemInObject(r, "__metadata__", cJSON_CreateArray()); }
static void e_meta_number(cJSON *r) { set_meta(r, "dyad.epochs", cJSON_CreateNumber(5)); }
static void e_meta_dup(cJSON *r) { cJSON_AddItemToObject(meta_of(r), "dyad.format", cJSON_CreateString("1")); }
static void e_bad_epochs(cJSON *r) { set_meta(r, "dyad.epochs", cJSON_CreateString("five")); }
static void e_bad_lr(cJSON *r) { set_meta(r, "dyad.lr", cJSON_CreateString("nan")); }
static void e_bad_seed(cJSON *r) { set_meta(r, "dyad.seed", cJSON_CreateString("-1")); }
static void e_format_2(cJSON *r) { set_meta(r, "dyad.format", cJSON_CreateString("2")); }
static void e_missing_tensor(cJSON *r) { cJSON_DeleteItemFromObject(r, "layers.1.bias"); }
static void e_tensor_string(cJSON *r) { cJSON_ReplaceItemInObject(r, "layers.1.bias", cJSON_CreateString("x")); }
static void e_dtype_f16(cJSON *r) {
    cJSON_ReplaceItemInObject(tensor_of(r, "layers.0.wu"), "dtype", cJSON_CreateString("F16"));
}
static void e_no_dtype(cJSON *r) { cJSON_DeleteItemFromObject(tensor_of(r, "layers.0.wu"), "dtype"); }
static void e_shape(cJSON *r) {
    int dims[3] = {2, 2, 3};
    cJSON_ReplaceItemInObject(tensor_of(r, "layers.0.wl"), "shape", cJSON_CreateIntArray(dims, 3));
}
static void e_shape_rank(cJSON *r) {
    int dims[2] = {2, 4};
    cJSON_ReplaceItemInObject(tensor_of(r, "layers.0.wl"), "shape", cJSON_CreateIntArray(dims, 2));
}
static void e_no_shape(cJSON *r) { cJSON_DeleteItemFromObject(tensor_of(r, "layers.0.wl"), "shape"); }
static void e_offsets_range(cJSON *r) { set_offsets(r, "layers.1.bias", 120, 128); }
static void e_offsets_reversed(cJSON *r) { set_offsets(r, "layers.1.bias", 120, 112); }
static void e_offsets_negative(cJSON *r) { set_offsets(r, "layers.1.bias", -8, 0); }
static void e_offsets_length(cJSON *r) { set_offsets(r, "layers.1.bias", 112, 116); }
static void e_offsets_one(cJSON *r) {
    cJSON_DeleteItemFromArray(cJSON_GetObjectItem(tensor_of(r, "layers.1.bias"), "data_offsets"), 1);
}
static void e_overlap(cJSON *r) { set_offsets(r, "layers.0.wu", 0, 32); }
static void e_extra(cJSON *r) {
    cJSON_AddItemToObject(r, "layers.2.weight", cJSON_Duplicate(tensor_of(r, "layers.1.bias"), 1));
}
static void e_duplicate(cJSON *r) {
    cJSON_AddItemToObject(r, "layers.1.bias", cJSON_Duplicate(tensor_of(r, "layers.1.bias"), 1));
}
static void e_meta_twice(cJSON *r) {
    cJSON_AddItemToObject(r, "__metadata__", cJSON_Duplicate(meta_of(r), 1));
}

typedef struct {
    const char *what;
    header_edit edit;
    const char *phrase1, *phrase2;
} bad_case;

static const bad_case header_cases[] = {
    {"unknown kind", e_unknown_kind, "unknown kind 'dyad-xx'", NULL},
    {"kind not a string", e_kind_number, "'kind'", NULL},
    {"widths not chaining", e_not_chaining, "input width 8", "output width 4"},
    {"ndyad not dividing", e_ndyad_3, "ndyad 3 must divide", NULL},
    {"dense with ndyad", e_dense_ndyad, "dense layer has ndyad 1", NULL},
    {"fractional ndyad", e_ndyad_frac, "'ndyad'", NULL},
    {"last activation relu", e_last_relu, "activation must be 'none'", "'relu'"},
    {"hidden activation none", e_hidden_none, "activation must be 'relu'", NULL},
    {"layer without out", e_no_out, "'out' missing", NULL},
    {"absurd width", e_huge_width, "'out'", NULL},
    {"no layers", e_layers_empty, "0 layers", NULL},
    {"layer not an object", e_layer_not_object, "dyad.layers[1] is not an object", NULL},
    {"dyad.layers not JSON", e_layers_not_json, "not a JSON array", NULL},
    {"dyad.layers an object", e_layers_object, "not a JSON array", NULL},
    {"no dyad.layers", e_no_layers, "no 'dyad.layers'", NULL},
    {"no metadata", e_no_meta, "no __metadata__", NULL},
    {"metadata not an object", e_meta_array, "__metadata__ is not an object", NULL},
    {"metadata value a number", e_meta_number, "'dyad.epochs' is not a string", NULL},
    {"metadata key twice", e_meta_dup, "'dyad.format' appears twice", NULL},
    {"metadata twice", e_meta_twice, "2 __metadata__", NULL},
    {"epochs not a number", e_bad_epochs, "'dyad.epochs'", "'five'"},
    {"lr nan", e_bad_lr, "'dyad.lr'", NULL},
    {"negative seed", e_bad_seed, "'dyad.seed'", NULL},
    {"format 2", e_format_2, "dyad.format '2' is not supported", NULL},
    {"missing tensor", e_missing_tensor, "missing tensor 'layers.1.bias'", NULL},
    {"tensor not an object", e_tensor_string, "'layers.1.bias' is not an object", NULL},
    {"dtype F16", e_dtype_f16, "dtype 'F16'", "expected F32"},
    {"no dtype", e_no_dtype, "missing dtype", NULL},
    {"shape mismatch", e_shape, "shape [2,2,3]", "expected [2,2,2]"},
    {"shape rank", e_shape_rank, "shape [2,4]", "expected [2,2,2]"},
    {"no shape", e_no_shape, "missing shape", NULL},
    {"offsets out of range", e_offsets_range, "[120,128] out of range", "120 bytes"},
    {"offsets reversed", e_offsets_reversed, "out of range", NULL},
    {"offsets negative", e_offsets_negative, "data_offsets is not [begin, end]", NULL},
    {"offsets wrong length", e_offsets_length, "hold 4 bytes", "needs 8"},
    {"offsets one number", e_offsets_one, "data_offsets is not [begin, end]", NULL},
    {"overlapping tensors", e_overlap, "overlap", NULL},
    {"extra tensor", e_extra, "unexpected tensor 'layers.2.weight'", NULL},
    {"duplicate tensor", e_duplicate, "appears twice", NULL},
};

/* Saves the small net (with the full record when with_record) to dir/good.safetensors. */
static void save_good(const char *dir, char *good, size_t size, int with_record) {
    snprintf(good, size, "%s/good.safetensors", dir);
    nn_mlp net;
    make_small(&net);
    nn_train_record rec;
    make_record(&rec);
    nn_error err;
    assert_int_equal(nn_checkpoint_save(good, &net, with_record ? &rec : NULL, &err), NN_OK);
    nn_mlp_free(&net);
}

static void test_bad_header_edits(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char good[4200], bad_path[4200];
    save_good(dir, good, sizeof good, 1);
    snprintf(bad_path, sizeof bad_path, "%s/bad.safetensors", dir);
    nn_mlp net;
    nn_error err;

    /* an unedited rewrite loads: the edits below are what break the files */
    parsed_file pf;
    parse_file(good, &pf);
    assert_int_equal(pf.data_size, 120);
    write_parsed(bad_path, &pf);
    parsed_free(&pf);
    assert_int_equal(nn_checkpoint_load(bad_path, &net, NULL, &err), NN_OK);
    nn_mlp_free(&net);

    for (size_t c = 0; c < sizeof header_cases / sizeof header_cases[0]; c++) {
        parse_file(good, &pf);
        header_cases[c].edit(pf.root);
        write_parsed(bad_path, &pf);
        parsed_free(&pf);
        expect_load_error(header_cases[c].what, bad_path, NN_ERR_FORMAT, header_cases[c].phrase1,
                          header_cases[c].phrase2);
    }
    test_tmpdir_remove(dir);
}

static void test_bad_raw_files(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char good[4200], path[4200];
    save_good(dir, good, sizeof good, 0);
    snprintf(path, sizeof path, "%s/bad.safetensors", dir);
    nn_mlp net;
    nn_error err;
    size_t size;
    unsigned char *file = test_read_whole(good, &size);
    uint64_t hlen = get_u64le(file);

    assert_int_equal(test_write_file(path, "", 0), 0);
    expect_load_error("empty file", path, NN_ERR_FORMAT, "file too short (0 bytes)", NULL);
    assert_int_equal(test_write_file(path, file, 5), 0);
    expect_load_error("5-byte file", path, NN_ERR_FORMAT, "file too short (5 bytes)", NULL);

    unsigned char *copy = malloc(size + 16);
    assert_non_null(copy);
    memcpy(copy, file, size);
    put_u64le(copy, (uint64_t)1 << 40);
    assert_int_equal(test_write_file(path, copy, size), 0);
    expect_load_error("absurd header length", path, NN_ERR_FORMAT, "absurd", NULL);
    put_u64le(copy, UINT64_MAX);
    assert_int_equal(test_write_file(path, copy, size), 0);
    expect_load_error("header length 2^64-1", path, NN_ERR_FORMAT, "absurd", NULL);
    put_u64le(copy, size - 7);
    assert_int_equal(test_write_file(path, copy, size), 0);
    expect_load_error("header beyond file", path, NN_ERR_FORMAT, "beyond the end of the file", NULL);
    /* a header length that cuts the JSON short */
    put_u64le(copy, hlen - 16);
    assert_int_equal(test_write_file(path, copy, size), 0);
    expect_load_error("header cut short", path, NN_ERR_FORMAT, "not valid JSON", NULL);
    put_u64le(copy, hlen);

    /* truncation inside the header and inside the data */
    assert_int_equal(test_write_file(path, file, 8 + hlen / 2), 0);
    expect_load_error("truncated header", path, NN_ERR_FORMAT, "beyond the end of the file", NULL);
    assert_int_equal(test_write_file(path, file, size - 4), 0);
    expect_load_error("truncated data", path, NN_ERR_FORMAT, "out of range", "layers.1.bias");
    /* a data section longer than the tensors */
    memset(copy + size, 0, 8);
    assert_int_equal(test_write_file(path, copy, size + 8), 0);
    expect_load_error("trailing data", path, NN_ERR_FORMAT, "data section is 128 bytes", "cover 120");

    const unsigned char *data = file + 8 + hlen;
    write_checkpoint_raw(path, "{\"__metadata__\": {", data, size - 8 - hlen);
    expect_load_error("invalid JSON", path, NN_ERR_FORMAT, "not valid JSON", NULL);
    write_checkpoint_raw(path, "[1, 2]", data, size - 8 - hlen);
    expect_load_error("JSON array", path, NN_ERR_FORMAT, "not an object", NULL);
    write_checkpoint_raw(path, "{} x", data, size - 8 - hlen);
    expect_load_error("JSON then junk", path, NN_ERR_FORMAT, "data after its JSON", NULL);
    write_checkpoint_raw(path, "", data, size - 8 - hlen);
    expect_load_error("empty header", path, NN_ERR_FORMAT, "not valid JSON", NULL);
    /* padding may be any JSON whitespace */
    memcpy(copy, file, size);
    char *text = (char *)copy + 8;
    size_t json_len = hlen;
    while (json_len > 0 && text[json_len - 1] == ' ') json_len--;
    if (json_len < hlen) {
        text[hlen - 1] = '\n';
        assert_int_equal(test_write_file(path, copy, size), 0);
        assert_int_equal(nn_checkpoint_load(path, &net, NULL, &err), NN_OK);
        nn_mlp_free(&net);
    }

    expect_load_error("directory", dir, NN_ERR_IO, "not a regular file", NULL);
    snprintf(path, sizeof path, "%s/absent.safetensors", dir);
    expect_load_error("absent file", path, NN_ERR_IO, "cannot open", NULL);

    free(copy);
    free(file);
    test_tmpdir_remove(dir);
}

/* ---------------------------------------------------------- atomic save */

static void test_atomic_save(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200], sub[4200];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    snprintf(sub, sizeof sub, "%s/adir", dir);
    nn_mlp small, big;
    make_small(&small);
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 256, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    nn_error err;
    assert_int_equal(nn_mlp_create(&big, 64, specs, 2, 0, &err), NN_OK);
    nn_mlp_init(&big, 1);

    /* overwriting an existing file replaces it whole */
    assert_int_equal(nn_checkpoint_save(path, &big, NULL, &err), NN_OK);
    assert_int_equal(nn_checkpoint_save(path, &small, NULL, &err), NN_OK);
    size_t before_size;
    unsigned char *before = test_read_whole(path, &before_size);
    assert_int_equal(before_size, 8 + get_u64le(before) + 4 * small.nparams);
    assert_int_equal(test_count_temp_files(dir), 0);

    /* the path is a directory: rename fails, the temp file goes */
    assert_int_equal(mkdir(sub, 0755), 0);
    nn_status st = nn_checkpoint_save(sub, &small, NULL, &err);
    assert_int_equal(st, NN_ERR_IO);
    assert_non_null(strstr(err.msg, sub));
    assert_null(strchr(err.msg, '\n'));
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(test_count_temp_files(dir), 0);

    /* a write that fails midway (file size limit) leaves the old file as it was */
    struct rlimit old_limit, limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    limit = old_limit;
    limit.rlim_cur = 16 * 1024; /* big needs ~70 KB */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    st = nn_checkpoint_save(path, &big, NULL, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(st, NN_ERR_IO);
    assert_non_null(strstr(err.msg, path));
    assert_null(strchr(err.msg, '\n'));
    size_t after_size;
    unsigned char *after = test_read_whole(path, &after_size);
    assert_int_equal(after_size, before_size);
    assert_memory_equal(after, before, before_size);
    assert_int_equal(test_count_temp_files(dir), 0);
    free(after);

    /* a directory that does not exist */
    char missing[4300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/m.safetensors", dir);
    assert_int_equal(nn_checkpoint_save(missing, &small, NULL, &err), NN_ERR_IO);
    assert_non_null(strstr(err.msg, missing));

    /* a directory we may not write (root may write anywhere: skipped for root) */
    if (geteuid() != 0) {
        char ro[4200], inside[4300];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        assert_int_equal(mkdir(ro, 0755), 0);
        snprintf(inside, sizeof inside, "%s/m.safetensors", ro);
        assert_int_equal(nn_checkpoint_save(inside, &small, NULL, &err), NN_OK);
        assert_int_equal(chmod(ro, 0555), 0);
        assert_int_equal(nn_checkpoint_save(inside, &big, NULL, &err), NN_ERR_IO);
        assert_non_null(strstr(err.msg, inside));
        assert_int_equal(chmod(ro, 0755), 0);
        size_t ro_size;
        unsigned char *ro_file = test_read_whole(inside, &ro_size);
        assert_memory_equal(ro_file, before, before_size);
        free(ro_file);
        assert_int_equal(test_count_temp_files(ro), 0);
    }

    free(before);
    nn_mlp_free(&small);
    nn_mlp_free(&big);
    test_tmpdir_remove(dir);
}

/* ----------------------------------------------------------------- fuzz */

/* nn's seeded generator: a fixed sequence, so every run tries the same mutations */
static uint64_t fuzz_next(nn_rng *s) { return nn_rng_next(s); }

static void test_fuzz(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char good[4200], path[4200];
    save_good(dir, good, sizeof good, 1);
    snprintf(path, sizeof path, "%s/fuzz.safetensors", dir);
    nn_mlp net;
    nn_error err;
    size_t size;
    unsigned char *file = test_read_whole(good, &size);
    uint64_t hlen = get_u64le(file);
    unsigned char *buf = malloc(size);
    assert_non_null(buf);
    static const char json_chars[] = "{}[]\":,0123456789-.eE \\tfn";

    nn_rng seed;
    nn_rng_seed(&seed, 20240607);
    int loaded = 0, rejected = 0;
    for (int iter = 0; iter < 1000; iter++) {
        memcpy(buf, file, size);
        size_t len = size;
        int kind = (int)(fuzz_next(&seed) % 7);
        int data_only = 0;
        switch (kind) {
        case 0: /* flip one bit in the header JSON */
        case 1: {
            size_t at = 8 + fuzz_next(&seed) % hlen;
            buf[at] ^= (unsigned char)(1u << (fuzz_next(&seed) % 8));
            break;
        }
        case 2: { /* a JSON-significant byte somewhere in the header */
            size_t at = 8 + fuzz_next(&seed) % hlen;
            buf[at] = (unsigned char)json_chars[fuzz_next(&seed) % (sizeof json_chars - 1)];
            break;
        }
        case 3: /* flip bits in the data: always loads */
            for (int f = 0; f < 4; f++) {
                size_t at = 8 + hlen + fuzz_next(&seed) % (size - 8 - hlen);
                buf[at] ^= (unsigned char)(1u << (fuzz_next(&seed) % 8));
            }
            data_only = 1;
            break;
        case 4: /* truncate */
            len = fuzz_next(&seed) % size;
            break;
        case 5: { /* edit the header length */
            uint64_t r = fuzz_next(&seed), v;
            switch (r % 4) {
            case 0: v = hlen + (r >> 8) % 17 - 8; break;
            case 1: v = r >> 2; break;
            case 2: v = (r >> 8) % (size + 8); break;
            default: v = hlen ^ ((uint64_t)1 << ((r >> 8) % 64)); break;
            }
            put_u64le(buf, v);
            break;
        }
        default: /* several header bytes at once */
            for (int f = 0; f < 3; f++) {
                size_t at = 8 + fuzz_next(&seed) % hlen;
                buf[at] = (unsigned char)fuzz_next(&seed);
            }
            break;
        }
        assert_int_equal(test_write_file(path, buf, len), 0);
        err.msg[0] = 0;
        nn_status st = nn_checkpoint_load(path, &net, NULL, &err);
        if (st == NN_OK) {
            loaded++;
            assert_true(net.nparams > 0);
            assert_non_null(net.params);
            nn_mlp_free(&net);
        } else {
            rejected++;
            if (data_only) fail_msg("iteration %d: data bit flips rejected: %s", iter, err.msg);
            if (st != NN_ERR_FORMAT)
                fail_msg("iteration %d (mutation %d): status %d: %s", iter, kind, st, err.msg);
            if (!strstr(err.msg, path) || strchr(err.msg, '\n'))
                fail_msg("iteration %d: bad message: %s", iter, err.msg);
            assert_null(net.params);
        }
    }
    print_message("fuzz: %d mutations loaded, %d rejected\n", loaded, rejected);
    assert_true(loaded > 100);
    assert_true(rejected > 300);
    free(buf);
    free(file);
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------ independent peer */

/* tests/peer/read_safetensors.py from the repository root, or beside the
 * program's build directory. */
static int find_peer(char *out, size_t size) {
    const char *rel = "tests/peer/read_safetensors.py";
    if (access(rel, R_OK) == 0) {
        snprintf(out, size, "%s", rel);
        return 1;
    }
    char bin[4096];
    snprintf(bin, sizeof bin, "%s", test_dyad_bin());
    char *d = dirname(bin);
    for (int up = 0; up < 2; up++) {
        snprintf(out, size, "%s/%s", d, rel);
        if (access(out, R_OK) == 0) return 1;
        d = dirname(d);
    }
    return 0;
}

static void test_python_peer(void **state) {
    (void)state;
    char out[16384];
    if (test_run("command -v python3", out, sizeof out) != 0) {
        print_message("python3 missing: skipped\n");
        skip();
    }
    char peer[4200];
    if (!find_peer(peer, sizeof peer))
        fail_msg("tests/peer/read_safetensors.py not found (run from the repository root)");
    char *dir = test_tmpdir();
    char path[4200], cmd[9000];
    snprintf(path, sizeof path, "%s/mixed.safetensors", dir);
    nn_mlp net;
    make_mixed(&net, 5);
    nn_train_record rec;
    make_record(&rec);
    nn_error err;
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);

    snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", peer, path);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("peer reader failed (%d): %s", rc, out);

    /* one line per tensor, in parameter order: name, shape, sum */
    int seen = 0, total = -1;
    size_t expected_offset = 0;
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (sscanf(line, "tensors %d", &total) == 1) continue;
        char name[64], shape[64];
        double py_sum;
        if (sscanf(line, "%63s %63s %lf", name, shape, &py_sum) != 3)
            fail_msg("unexpected peer line: %s", line);
        int li;
        char part[16];
        if (sscanf(name, "layers.%d.%15s", &li, part) != 2 || li < 0 || li >= net.nlayers)
            fail_msg("unexpected tensor name: %s", name);
        const nn_layer *l = &net.layers[li];
        const float *p = NULL;
        size_t count = 0;
        char want_shape[64];
        if (!strcmp(part, "weight") && l->kind == NN_LAYER_DENSE) {
            p = l->param.weight, count = (size_t)l->in * l->out;
            snprintf(want_shape, sizeof want_shape, "%dx%d", l->out, l->in);
        } else if ((!strcmp(part, "wl") || !strcmp(part, "wu")) && l->kind != NN_LAYER_DENSE) {
            p = part[1] == 'l' ? l->param.wl : l->param.wu;
            count = (size_t)l->in * l->out / l->ndyad;
            snprintf(want_shape, sizeof want_shape, "%dx%dx%d", l->ndyad, l->out / l->ndyad,
                     l->in / l->ndyad);
        } else if (!strcmp(part, "bias")) {
            p = l->param.bias, count = (size_t)l->out;
            snprintf(want_shape, sizeof want_shape, "%d", l->out);
        } else {
            fail_msg("unexpected tensor: %s", name);
        }
        assert_string_equal(shape, want_shape);
        /* parameter order: each tensor starts where the previous one ended */
        size_t offset = (size_t)(p - net.params);
        assert_int_equal(offset, expected_offset);
        expected_offset += count;
        double c_sum = tensor_sum(p, count);
        if (fabs(py_sum - c_sum) > 1e-3 * fabs(c_sum) + 1e-9)
            fail_msg("%s: peer sum %.17g, C sum %.17g", name, py_sum, c_sum);
        seen++;
    }
    assert_int_equal(seen, 13); /* 2 + 3 + 3 + 3 + 2 */
    assert_int_equal(total, 13);

    /* the peer can fail: a data section with a hole */
    size_t size;
    unsigned char *file = test_read_whole(path, &size);
    unsigned char *longer = malloc(size + 8);
    assert_non_null(longer);
    memcpy(longer, file, size);
    memset(longer + size, 0, 8);
    assert_int_equal(test_write_file(path, longer, size + 8), 0);
    rc = test_run(cmd, out, sizeof out);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "tensors cover"));
    free(longer);
    free(file);

    nn_mlp_free(&net);
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------------ dyad info */

static void test_info_command(void **state) {
    (void)state;
    const char *bin = test_dyad_bin();
    if (access(bin, X_OK) != 0) {
        print_message("%s not built: skipped (set DYAD_BIN)\n", bin);
        skip();
    }
    char *dir = test_tmpdir();
    char path[4200], cmd[9000], out[16384];
    snprintf(path, sizeof path, "%s/mixed.safetensors", dir);
    nn_mlp net;
    make_mixed(&net, 9);
    nn_train_record rec;
    make_record(&rec);
    nn_error err;
    assert_int_equal(nn_checkpoint_save(path, &net, &rec, &err), NN_OK);

    snprintf(cmd, sizeof cmd, "'%s' info '%s'", bin, path);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("dyad info failed (%d): %s", rc, out);
    const char *kinds[] = {"dense", "dyad-it", "dyad-ot", "dyad-dt"};
    for (int k = 0; k < 4; k++)
        if (!strstr(out, kinds[k])) fail_msg("no '%s' in:\n%s", kinds[k], out);
    char count[64];
    snprintf(count, sizeof count, "%zu parameters", net.nparams);
    if (!strstr(out, count)) fail_msg("no '%s' in:\n%s", count, out);
    char arch[256];
    nn_mlp_describe(&net, arch, sizeof arch);
    if (!strstr(out, arch)) fail_msg("no architecture '%s' in:\n%s", arch, out);
    /* ndyad 4: (2n-1)/n^2 = 7/16; ndyad 2: 3/4, both counted and by formula */
    if (!strstr(out, "43.75%") || !strstr(out, "7/16")) fail_msg("no 43.75%% for n=4 in:\n%s", out);
    if (!strstr(out, "75.00%") || !strstr(out, "3/4")) fail_msg("no 75.00%% for n=2 in:\n%s", out);
    if (!strstr(out, "mnist:/data/mnist") || !strstr(out, "adam") || !strstr(out, "98.05%"))
        fail_msg("training record missing in:\n%s", out);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    char size_text[64];
    snprintf(size_text, sizeof size_text, "%lld bytes", (long long)sb.st_size);
    if (!strstr(out, size_text)) fail_msg("no file size '%s' in:\n%s", size_text, out);

    snprintf(cmd, sizeof cmd, "'%s' info --help", bin);
    assert_int_equal(test_run(cmd, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: dyad info MODEL"));

    /* a bad file: nonzero exit, exactly one line naming the file */
    assert_int_equal(test_write_file(path, "not a checkpoint at all", 23), 0);
    snprintf(cmd, sizeof cmd, "'%s' info '%s'", bin, path);
    rc = test_run(cmd, out, sizeof out);
    assert_int_not_equal(rc, 0);
    size_t len = strlen(out);
    assert_true(len > 0 && out[len - 1] == '\n');
    assert_ptr_equal(strchr(out, '\n'), out + len - 1);
    assert_true(strncmp(out, "dyad info: ", 11) == 0);
    assert_non_null(strstr(out, path));

    nn_mlp_free(&net);
    test_tmpdir_remove(dir);
}

/* ------------------------------------------------------------ big files */

static void test_big_file(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/big.safetensors", dir);
    nn_layer_spec specs[] = {{NN_LAYER_DENSE, 1, 1024, 0}, {NN_LAYER_DENSE, 1, 1024, 0}, {NN_LAYER_DENSE, 1, 10, 0}};
    nn_mlp net, back;
    nn_error err;
    assert_int_equal(nn_mlp_create(&net, 784, specs, 3, 0, &err), NN_OK);
    nn_mlp_init(&net, 3);
    assert_int_equal(nn_checkpoint_save(path, &net, NULL, &err), NN_OK);
    assert_int_equal(nn_checkpoint_load(path, &back, NULL, &err), NN_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    /* 8-byte length + padded header + the floats */
    assert_true((size_t)sb.st_size > net.nparams * sizeof(float));
    assert_int_equal(back.nparams, net.nparams);
    assert_memory_equal(back.params, net.params, net.nparams * sizeof(float));
    nn_mlp_free(&net);
    nn_mlp_free(&back);
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_clear),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_record_optional),
        cmocka_unit_test(test_bad_header_edits),
        cmocka_unit_test(test_bad_raw_files),
        cmocka_unit_test(test_atomic_save),
        cmocka_unit_test(test_fuzz),
        cmocka_unit_test(test_python_peer),
        cmocka_unit_test(test_info_command),
        cmocka_unit_test(test_big_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
