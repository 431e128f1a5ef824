/* Checkpoints in the safetensors format (see checkpoint.h).
 *
 * Layout: u64 little-endian header length N, N bytes of JSON (padded with
 * spaces so the data starts 8-aligned), then the data: every tensor's float32
 * values, little-endian, one after the other in parameter order. The JSON is
 * built and parsed with cJSON; everything read from a file is checked before
 * it sizes an allocation or an offset. */
#include "checkpoint.h"

#include "atomic_file.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The safetensors reference reader refuses headers above 100 MB; so do we. */
#define HEADER_MAX ((uint64_t)100 * 1000 * 1000)
/* Bounds that keep every size computation far from overflow. */
#define WIDTH_MAX (1 << 24)
#define LAYERS_MAX 1024
#define FORMAT_VERSION "1"

void nn_train_record_clear(nn_train_record *rec) {
    memset(rec, 0, sizeof *rec);
    rec->epochs = -1;
    rec->batch = -1;
    rec->lr = -1.0;
    rec->seed = 0;
    rec->test_accuracy = -1.0;
}

/* True when any field is known; the seed alone (0 = unknown) does not count
 * unless it is nonzero. */
static int record_known(const nn_train_record *rec) {
    return rec->dataset[0] || rec->optimizer[0] || rec->epochs >= 0 || rec->batch >= 0 ||
           rec->lr >= 0.0 || rec->seed != 0 || rec->test_accuracy >= 0.0;
}

/* ---------------------------------------------------------------- tensors */

/* One tensor a net's metadata calls for. */
typedef struct {
    char name[48];
    int layer;
    size_t offset;       /* floats from the layer's first parameter (its tensor table) */
    int rank;
    int64_t shape[3];
    size_t count;        /* floats */
    uint64_t begin, end; /* byte offsets into the data, filled while loading */
} tensor_slot;

/* Lists the tensors of the given layers in parameter order, from each kind's
 * tensor table; returns how many (at most NN_LAYER_MAX_TENSORS per layer). */
static int list_tensors(int in, const nn_layer_spec *specs, int nlayers, tensor_slot *slots) {
    int count = 0, width = in;
    for (int i = 0; i < nlayers; i++) {
        nn_layer_tensor_table table;
        nn_layer_tensor_layout(specs[i].kind, width, specs[i].out, specs[i].ndyad, &table);
        for (int k = 0; k < table.count; k++) {
            const nn_layer_tensor *lt = &table.t[k];
            tensor_slot *t = &slots[count++];
            snprintf(t->name, sizeof t->name, "layers.%d.%s", i, lt->name);
            t->layer = i, t->offset = lt->offset, t->rank = lt->rank;
            for (int d = 0; d < 3; d++) t->shape[d] = lt->shape[d];
            t->count = lt->count;
        }
        width = specs[i].out;
    }
    return count;
}

static float *tensor_data(const nn_mlp *net, const tensor_slot *t) {
    return net->layers[t->layer].params + t->offset;
}

static void specs_of(const nn_mlp *net, nn_layer_spec *specs) {
    for (int i = 0; i < net->nlayers; i++) {
        specs[i].kind = net->layers[i].kind;
        specs[i].ndyad = net->layers[i].ndyad;
        specs[i].out = net->layers[i].out;
        specs[i].density = net->layers[i].density;
    }
}

/* ------------------------------------------------------------------- save */

/* Adds key: value, where value is printf-formatted, to a cJSON object. */
static int add_string(cJSON *obj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int add_string(cJSON *obj, const char *key, const char *fmt, ...) {
    char value[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    return cJSON_AddStringToObject(obj, key, value) != NULL;
}

static cJSON *number_array(const int64_t *values, int count) {
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < count; i++) {
        cJSON *num = cJSON_CreateNumber((double)values[i]);
        if (!num) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, num);
    }
    return arr;
}

/* The "dyad.layers" value: a JSON array, itself stored as a string. */
static char *layers_json(const nn_mlp *net) {
    cJSON *arr = cJSON_CreateArray();
    int ok = arr != NULL;
    for (int i = 0; ok && i < net->nlayers; i++) {
        const nn_layer *l = &net->layers[i];
        cJSON *obj = cJSON_CreateObject();
        ok = obj != NULL;
        if (!ok) break;
        cJSON_AddItemToArray(arr, obj);
        ok = cJSON_AddStringToObject(obj, "kind", nn_layer_kind_name(l->kind)) &&
             cJSON_AddNumberToObject(obj, "ndyad", l->ndyad) &&
             cJSON_AddNumberToObject(obj, "in", l->in) &&
             cJSON_AddNumberToObject(obj, "out", l->out) &&
             cJSON_AddStringToObject(obj, "activation", l->relu ? "relu" : "none");
        /* sparse: the density (its ndyad is 1; lowrank's rank is its ndyad), as the
         * shortest decimal that reads back to the same float: 0.3, not 0.30000001 */
        if (ok && nn_layer_kind_get(l->kind)->param == NN_LAYER_PARAM_DENSITY) {
            char text[32];
            double d = l->density;
            for (int digits = 6; digits <= 9; digits++) {
                snprintf(text, sizeof text, "%.*g", digits, (double)l->density);
                d = strtod(text, NULL);
                if ((float)d == l->density) break;
            }
            ok = cJSON_AddNumberToObject(obj, "density", d) != NULL;
        }
    }
    char *text = ok ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return text;
}

static int add_metadata(cJSON *root, const nn_mlp *net, const nn_train_record *rec) {
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    if (!meta) return 0;
    char *layers = layers_json(net);
    int ok = layers && cJSON_AddStringToObject(meta, "dyad.layers", layers);
    cJSON_free(layers);
    ok = ok && cJSON_AddStringToObject(meta, "dyad.format", FORMAT_VERSION);
    if (!ok || !rec || !record_known(rec)) return ok;
    /* %.17g makes doubles round-trip exactly */
    if (rec->dataset[0]) ok = ok && add_string(meta, "dyad.dataset", "%s", rec->dataset);
    if (rec->optimizer[0]) ok = ok && add_string(meta, "dyad.optimizer", "%s", rec->optimizer);
    if (rec->epochs >= 0) ok = ok && add_string(meta, "dyad.epochs", "%d", rec->epochs);
    if (rec->batch >= 0) ok = ok && add_string(meta, "dyad.batch", "%d", rec->batch);
    if (rec->lr >= 0.0) ok = ok && add_string(meta, "dyad.lr", "%.17g", rec->lr);
    /* 0 is a real seed too: written whenever the record says anything */
    ok = ok && add_string(meta, "dyad.seed", "%" PRIu64, rec->seed);
    if (rec->test_accuracy >= 0.0)
        ok = ok && add_string(meta, "dyad.test_accuracy", "%.17g", rec->test_accuracy);
    return ok;
}

/* The whole header JSON (without padding), or NULL when out of memory. */
static char *header_json(const nn_mlp *net, const nn_train_record *rec, tensor_slot *slots,
                         int nslots) {
    cJSON *root = cJSON_CreateObject();
    int ok = root && add_metadata(root, net, rec);
    uint64_t offset = 0;
    for (int s = 0; ok && s < nslots; s++) {
        tensor_slot *t = &slots[s];
        t->begin = offset;
        t->end = offset + 4 * (uint64_t)t->count;
        offset = t->end;
        int64_t offsets[2] = {(int64_t)t->begin, (int64_t)t->end};
        cJSON *obj = cJSON_CreateObject();
        cJSON *shape = number_array(t->shape, t->rank);
        cJSON *offs = number_array(offsets, 2);
        ok = obj && shape && offs;
        if (!ok) {
            cJSON_Delete(obj), cJSON_Delete(shape), cJSON_Delete(offs);
            break;
        }
        cJSON_AddItemToObject(root, t->name, obj);
        cJSON_AddStringToObject(obj, "dtype", "F32");
        cJSON_AddItemToObject(obj, "shape", shape);
        cJSON_AddItemToObject(obj, "data_offsets", offs);
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

static void put_u64le(unsigned char *p, uint64_t v) {
    for (int b = 0; b < 8; b++) p[b] = (unsigned char)(v >> (8 * b));
}

/* Floats go out little-endian whatever the host, a buffer at a time. */
static int write_floats(FILE *f, const float *values, size_t count) {
    unsigned char buf[1 << 16];
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, &values[i], 4);
        for (int b = 0; b < 4; b++) buf[used++] = (unsigned char)(bits >> (8 * b));
        if (used == sizeof buf) {
            if (fwrite(buf, 1, used, f) != used) return -1;
            used = 0;
        }
    }
    return fwrite(buf, 1, used, f) == used ? 0 : -1;
}


nn_status nn_checkpoint_save(const char *path, const nn_mlp *net, const nn_train_record *rec,
                          nn_error *err) {
    if (!net || net->nlayers < 1 || !net->layers || !net->params)
        return nn_fail(err, NN_ERR_ARG, "%s: nothing to save (empty net)", path);
    if (net->nlayers > LAYERS_MAX)
        return nn_fail(err, NN_ERR_ARG, "%s: %d layers (at most %d)", path, net->nlayers,
                       LAYERS_MAX);
    tensor_slot *slots = calloc((size_t)net->nlayers * NN_LAYER_MAX_TENSORS, sizeof *slots);
    nn_layer_spec *specs = calloc((size_t)net->nlayers, sizeof *specs);
    char *json = NULL;
    if (!slots || !specs) goto oom;
    specs_of(net, specs);
    int nslots = list_tensors(net->in, specs, net->nlayers, slots);
    json = header_json(net, rec, slots, nslots);
    if (!json) goto oom;

    size_t json_len = strlen(json);
    size_t header_len = (json_len + 7) & ~(size_t)7;

    nn_atomic_file af;
    nn_status st = nn_atomic_file_open(&af, path, err);
    if (st != NN_OK) {
        free(slots), free(specs), cJSON_free(json);
        return st;
    }
    unsigned char lenbuf[8];
    put_u64le(lenbuf, header_len);
    char spaces[8];
    memset(spaces, ' ', sizeof spaces);
    int failed = fwrite(lenbuf, 1, 8, af.f) != 8 || fwrite(json, 1, json_len, af.f) != json_len ||
                 fwrite(spaces, 1, header_len - json_len, af.f) != header_len - json_len;
    for (int s = 0; !failed && s < nslots; s++)
        failed = write_floats(af.f, tensor_data(net, &slots[s]), slots[s].count);
    int write_errno = errno;
    free(slots), free(specs), cJSON_free(json);
    if (failed) {
        nn_atomic_file_abort(&af);
        return nn_fail(err, NN_ERR_IO, "%s: cannot write it: %s", path, strerror(write_errno));
    }
    return nn_atomic_file_commit(&af, err);
oom:
    free(slots), free(specs), cJSON_free(json);
    return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory building the header", path);
}

/* ------------------------------------------------------------------- load */

/* A format error naming the file. */
static nn_status bad(nn_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static nn_status bad(nn_error *err, const char *path, const char *fmt, ...) {
    char what[448];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return nn_fail(err, NN_ERR_FORMAT, "%s: %s", path, what);
}

/* A JSON number that is an integer in [lo, hi]. */
static int json_int(const cJSON *item, double lo, double hi, int64_t *out) {
    if (!cJSON_IsNumber(item)) return 0;
    double v = item->valuedouble;
    if (!isfinite(v) || v != floor(v) || v < lo || v > hi) return 0;
    *out = (int64_t)v;
    return 1;
}

static void shape_text(char *buf, size_t size, const int64_t *shape, int rank) {
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int d = 0; d < rank && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64, d ? "," : "", shape[d]);
    if (used < size) snprintf(buf + used, size - used, "]");
}

/* Reads the dyad.layers metadata into specs; *in gets the input width. */
static nn_status parse_layers(const char *path, const char *text, nn_layer_spec **specs_out,
                              int *nlayers_out, int *in_out, nn_error *err) {
    cJSON *arr = cJSON_Parse(text);
    nn_status st = NN_OK;
    nn_layer_spec *specs = NULL;
    if (!arr || !cJSON_IsArray(arr)) {
        st = bad(err, path, "metadata 'dyad.layers' is not a JSON array of layers");
        goto done;
    }
    int n = cJSON_GetArraySize(arr);
    if (n < 1 || n > LAYERS_MAX) {
        st = bad(err, path, "metadata 'dyad.layers' lists %d layers (expected 1 to %d)", n,
                 LAYERS_MAX);
        goto done;
    }
    specs = calloc((size_t)n, sizeof *specs);
    if (!specs) {
        st = nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    int prev_out = 0, in = 0, i = 0;
    const cJSON *obj;
    cJSON_ArrayForEach(obj, arr) {
        if (!cJSON_IsObject(obj)) {
            st = bad(err, path, "dyad.layers[%d] is not an object", i);
            goto done;
        }
        const cJSON *kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
        const cJSON *act = cJSON_GetObjectItemCaseSensitive(obj, "activation");
        int64_t ndyad, lin, lout;
        if (!cJSON_IsString(kind)) {
            st = bad(err, path, "dyad.layers[%d]: missing or non-string 'kind'", i);
            goto done;
        }
        if (nn_layer_kind_parse(kind->valuestring, &specs[i].kind) != NN_OK) {
            char kinds[128];
            nn_layer_kind_list(kinds, sizeof kinds, ", ", 0);
            st = bad(err, path, "dyad.layers[%d]: unknown kind '%.40s' (%s)", i,
                     kind->valuestring, kinds);
            goto done;
        }
        const char *names[3] = {"ndyad", "in", "out"};
        int64_t *vals[3] = {&ndyad, &lin, &lout};
        for (int f = 0; f < 3; f++) {
            if (!json_int(cJSON_GetObjectItemCaseSensitive(obj, names[f]), 1, WIDTH_MAX, vals[f])) {
                st = bad(err, path, "dyad.layers[%d]: '%s' missing or not an integer in 1..%d", i,
                         names[f], WIDTH_MAX);
                goto done;
            }
        }
        if (i == 0) {
            in = (int)lin;
        } else if (lin != prev_out) {
            st = bad(err, path,
                     "dyad.layers[%d]: input width %" PRId64 " does not match layer %d's output width %d",
                     i, lin, i - 1, prev_out);
            goto done;
        }
        const char *want = i + 1 < n ? "relu" : "none";
        if (!cJSON_IsString(act) || strcmp(act->valuestring, want) != 0) {
            st = bad(err, path, "dyad.layers[%d]: activation must be '%s' for %s layer (got %s%.20s%s)",
                     i, want, i + 1 < n ? "a hidden" : "the last",
                     cJSON_IsString(act) ? "'" : "", cJSON_IsString(act) ? act->valuestring : "none given",
                     cJSON_IsString(act) ? "'" : "");
            goto done;
        }
        specs[i].ndyad = (int)ndyad;
        specs[i].out = (int)lout;
        if (nn_layer_kind_get(specs[i].kind)->param == NN_LAYER_PARAM_DENSITY) {
            const cJSON *dens = cJSON_GetObjectItemCaseSensitive(obj, "density");
            if (!cJSON_IsNumber(dens) || !(dens->valuedouble > 0.0 && dens->valuedouble <= 1.0)) {
                st = bad(err, path, "dyad.layers[%d]: a %s layer needs 'density', a number in (0, 1]",
                         i, kind->valuestring);
                goto done;
            }
            specs[i].density = (float)dens->valuedouble;
        }
        prev_out = (int)lout;
        i++;
    }
    nn_error inner;
    if (nn_mlp_check_specs(in, specs, n, &inner) != NN_OK) {
        st = bad(err, path, "dyad.layers: %s", inner.msg);
        goto done;
    }
    *specs_out = specs;
    *nlayers_out = n;
    *in_out = in;
    specs = NULL;
done:
    free(specs);
    cJSON_Delete(arr);
    return st;
}

/* Parses the optional training-record strings. */
static nn_status parse_record(const char *path, const cJSON *meta, nn_train_record *rec,
                              nn_error *err) {
    nn_train_record_clear(rec);
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) {
        const char *key = item->string, *val = item->valuestring;
        char *end = NULL;
        errno = 0;
        if (!strcmp(key, "dyad.dataset")) {
            snprintf(rec->dataset, sizeof rec->dataset, "%s", val);
        } else if (!strcmp(key, "dyad.optimizer")) {
            snprintf(rec->optimizer, sizeof rec->optimizer, "%s", val);
        } else if (!strcmp(key, "dyad.epochs") || !strcmp(key, "dyad.batch")) {
            long v = strtol(val, &end, 10);
            if (end == val || *end || errno || v < 0 || v > INT32_MAX)
                return bad(err, path, "metadata '%s' is not a non-negative integer: '%.40s'", key, val);
            *(key[5] == 'e' ? &rec->epochs : &rec->batch) = (int)v;
        } else if (!strcmp(key, "dyad.lr") || !strcmp(key, "dyad.test_accuracy")) {
            double v = strtod(val, &end);
            if (end == val || *end || !isfinite(v) || v < 0)
                return bad(err, path, "metadata '%s' is not a non-negative number: '%.40s'", key, val);
            *(key[5] == 'l' ? &rec->lr : &rec->test_accuracy) = v;
        } else if (!strcmp(key, "dyad.seed")) {
            unsigned long long v = strtoull(val, &end, 10);
            if (end == val || *end || errno || val[0] < '0' || val[0] > '9')
                return bad(err, path, "metadata 'dyad.seed' is not an unsigned integer: '%.40s'", val);
            rec->seed = (uint64_t)v;
        }
    }
    return NN_OK;
}

/* Checks __metadata__: a string -> string map with the keys we need. */
static nn_status check_metadata(const char *path, const cJSON *meta, nn_error *err) {
    if (!meta) return bad(err, path, "no __metadata__ (not a dyad checkpoint)");
    if (!cJSON_IsObject(meta)) return bad(err, path, "__metadata__ is not an object");
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) {
        if (!cJSON_IsString(item))
            return bad(err, path, "__metadata__ value of '%.60s' is not a string", item->string);
        for (const cJSON *other = meta->child; other != item; other = other->next)
            if (!strcmp(other->string, item->string))
                return bad(err, path, "__metadata__ key '%.60s' appears twice", item->string);
    }
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(meta, "dyad.format");
    if (format && strcmp(format->valuestring, FORMAT_VERSION) != 0)
        return bad(err, path, "dyad.format '%.20s' is not supported (this program reads '%s')",
                   format->valuestring, FORMAT_VERSION);
    if (!cJSON_GetObjectItemCaseSensitive(meta, "dyad.layers"))
        return bad(err, path, "__metadata__ has no 'dyad.layers' (not a dyad checkpoint)");
    return NN_OK;
}

/* Checks one tensor entry against what the metadata calls for. */
static nn_status check_tensor(const char *path, const cJSON *root, tensor_slot *t,
                              uint64_t data_size, nn_error *err) {
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, t->name);
    if (!obj) return bad(err, path, "missing tensor '%s'", t->name);
    if (!cJSON_IsObject(obj)) return bad(err, path, "tensor '%s' is not an object", t->name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(obj, "dtype");
    if (!cJSON_IsString(dtype))
        return bad(err, path, "tensor '%s': missing dtype", t->name);
    if (strcmp(dtype->valuestring, "F32") != 0)
        return bad(err, path, "tensor '%s': dtype '%.20s' is not supported (expected F32)", t->name,
                   dtype->valuestring);

    char want[96], got[96];
    shape_text(want, sizeof want, t->shape, t->rank);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(obj, "shape");
    if (!cJSON_IsArray(shape))
        return bad(err, path, "tensor '%s': missing shape (expected %s)", t->name, want);
    int rank = cJSON_GetArraySize(shape);
    int64_t dims[8];
    int match = rank == t->rank, d = 0;
    const cJSON *dim;
    cJSON_ArrayForEach(dim, shape) {
        if (d >= 8 || !json_int(dim, 0, 9007199254740992.0, &dims[d]))
            return bad(err, path, "tensor '%s': shape is not a list of at most 8 sizes (expected %s)",
                       t->name, want);
        if (d < t->rank && dims[d] != t->shape[d]) match = 0;
        d++;
    }
    if (!match) {
        shape_text(got, sizeof got, dims, rank);
        return bad(err, path, "tensor '%s': shape %s does not match the metadata, expected %s",
                   t->name, got, want);
    }

    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(obj, "data_offsets");
    int64_t begin, end;
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 ||
        !json_int(cJSON_GetArrayItem(offs, 0), 0, 9007199254740992.0, &begin) ||
        !json_int(cJSON_GetArrayItem(offs, 1), 0, 9007199254740992.0, &end))
        return bad(err, path, "tensor '%s': data_offsets is not [begin, end]", t->name);
    if (begin > end || (uint64_t)end > data_size)
        return bad(err, path,
                   "tensor '%s': data_offsets [%" PRId64 ",%" PRId64 "] out of range (data section is %" PRIu64 " bytes)",
                   t->name, begin, end, data_size);
    if ((uint64_t)(end - begin) != 4 * (uint64_t)t->count)
        return bad(err, path,
                   "tensor '%s': data_offsets [%" PRId64 ",%" PRId64 "] hold %" PRId64 " bytes, shape %s needs %zu",
                   t->name, begin, end, end - begin, want, 4 * t->count);
    t->begin = (uint64_t)begin;
    t->end = (uint64_t)end;
    return NN_OK;
}

static int by_begin(const void *a, const void *b) {
    const tensor_slot *x = *(const tensor_slot *const *)a, *y = *(const tensor_slot *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Checks every tensor, that no two overlap, that the data holds nothing else
 * and that the header names no other tensor. */
static nn_status check_tensors(const char *path, const cJSON *root, tensor_slot *slots,
                               int nslots, uint64_t data_size, nn_error *err) {
    for (int s = 0; s < nslots; s++) {
        nn_status st = check_tensor(path, root, &slots[s], data_size, err);
        if (st != NN_OK) return st;
    }
    const cJSON *item;
    int entries = 0;
    cJSON_ArrayForEach(item, root) {
        if (!strcmp(item->string, "__metadata__")) continue;
        entries++;
        int known = 0;
        for (int s = 0; s < nslots && !known; s++) known = !strcmp(slots[s].name, item->string);
        if (!known)
            return bad(err, path, "unexpected tensor '%.60s' (not called for by dyad.layers)",
                       item->string);
    }
    if (entries != nslots)
        return bad(err, path, "%d tensor entries for %d tensors: some name appears twice", entries,
                   nslots);

    const tensor_slot **order = malloc((size_t)nslots * sizeof *order);
    if (!order) return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    for (int s = 0; s < nslots; s++) order[s] = &slots[s];
    qsort(order, (size_t)nslots, sizeof *order, by_begin);
    uint64_t covered = 0;
    nn_status st = NN_OK;
    for (int s = 0; s < nslots; s++) {
        if (s > 0 && order[s]->begin < order[s - 1]->end) {
            st = bad(err, path, "tensors '%s' and '%s' overlap in the data section",
                     order[s - 1]->name, order[s]->name);
            break;
        }
        covered += order[s]->end - order[s]->begin;
    }
    free(order);
    if (st == NN_OK && covered != data_size)
        st = bad(err, path, "data section is %" PRIu64 " bytes but the tensors cover %" PRIu64,
                 data_size, covered);
    return st;
}

static void read_floats(const unsigned char *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = src + 4 * i;
        uint32_t bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                        (uint32_t)p[3] << 24;
        memcpy(&dst[i], &bits, 4);
    }
}

/* Everything after the file is mapped: header, checks, net. */
static nn_status load_mapped(const char *path, const unsigned char *file, uint64_t size, nn_mlp *net,
                             nn_train_record *rec, nn_error *err) {
    if (size < 8)
        return bad(err, path, "file too short (%" PRIu64 " bytes): a safetensors file starts with an 8-byte header length",
                   size);
    uint64_t header_len = 0;
    for (int b = 7; b >= 0; b--) header_len = header_len << 8 | file[b];
    if (header_len > HEADER_MAX)
        return bad(err, path, "header length %" PRIu64 " is absurd (at most %" PRIu64 "): not a safetensors file?",
                   header_len, HEADER_MAX);
    if (header_len > size - 8)
        return bad(err, path, "header length %" PRIu64 " goes beyond the end of the file (%" PRIu64 " bytes)",
                   header_len, size);

    /* a NUL-terminated copy: cJSON never reads past it */
    char *text = malloc(header_len + 1);
    if (!text) return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    memcpy(text, file + 8, header_len);
    text[header_len] = 0;
    const char *parse_end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, header_len, &parse_end, 0);
    nn_status st = NN_OK;
    tensor_slot *slots = NULL;
    nn_layer_spec *specs = NULL;
    int nlayers = 0, in = 0;
    if (!root) {
        st = bad(err, path, "header is not valid JSON (error near byte %td of the file)",
                 parse_end ? parse_end - text + 8 : (ptrdiff_t)8);
        goto done;
    }
    for (const char *p = parse_end; p < text + header_len; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            st = bad(err, path, "header has data after its JSON (byte %td of the file)", p - text + 8);
            goto done;
        }
    }
    if (!cJSON_IsObject(root)) {
        st = bad(err, path, "header is JSON but not an object");
        goto done;
    }
    int metas = 0;
    for (const cJSON *item = root->child; item; item = item->next)
        metas += !strcmp(item->string, "__metadata__");
    if (metas > 1) {
        st = bad(err, path, "header has %d __metadata__ entries", metas);
        goto done;
    }
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    if ((st = check_metadata(path, meta, err)) != NN_OK) goto done;
    const char *layers_text = cJSON_GetObjectItemCaseSensitive(meta, "dyad.layers")->valuestring;
    if ((st = parse_layers(path, layers_text, &specs, &nlayers, &in, err)) != NN_OK) goto done;
    nn_train_record record;
    if ((st = parse_record(path, meta, &record, err)) != NN_OK) goto done;

    slots = calloc((size_t)nlayers * NN_LAYER_MAX_TENSORS, sizeof *slots);
    if (!slots) {
        st = nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    int nslots = list_tensors(in, specs, nlayers, slots);
    uint64_t data_size = size - 8 - header_len;
    if ((st = check_tensors(path, root, slots, nslots, data_size, err)) != NN_OK) goto done;

    nn_error inner;
    if ((st = nn_mlp_create(net, in, specs, nlayers, 0, &inner)) != NN_OK) {
        nn_fail(err, st, "%s: %s", path, inner.msg);
        goto done;
    }
    const unsigned char *data = file + 8 + header_len;
    for (int s = 0; s < nslots; s++)
        read_floats(data + slots[s].begin, tensor_data(net, &slots[s]), slots[s].count);
    for (int i = 0; i < nlayers; i++) { /* what a kind needs of its values (the sparse mask) */
        const nn_layer_kind_info *k = nn_layer_kind_get(net->layers[i].kind);
        if (k->validate && (st = k->validate(&net->layers[i], &inner)) != NN_OK) {
            bad(err, path, "layer %d: %s", i, inner.msg);
            nn_mlp_free(net);
            goto done;
        }
    }
    if (rec) *rec = record;
done:
    free(slots);
    free(specs);
    cJSON_Delete(root);
    free(text);
    return st;
}

nn_status nn_checkpoint_load(const char *path, nn_mlp *net, nn_train_record *rec, nn_error *err) {
    memset(net, 0, sizeof *net);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return nn_fail(err, NN_ERR_IO, "%s: not a regular file", path);
    }
    uint64_t size = (uint64_t)st.st_size;
    const unsigned char *file = NULL;
    void *map = NULL;
    if (size > 0) {
        map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            int e = errno;
            close(fd);
            return nn_fail(err, NN_ERR_IO, "%s: cannot map: %s", path, strerror(e));
        }
        file = map;
    }
    close(fd);
    nn_status status = load_mapped(path, file, size, net, rec, err);
    if (map) munmap(map, (size_t)size);
    return status;
}
