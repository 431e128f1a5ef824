/* Checkpoints in the safetensors format (see checkpoint.h).
 *
 * Layout: u64 little-endian header length N, N bytes of JSON (padded with
 * spaces so the data starts 8-aligned), then the data: every tensor's float32
 * values, little-endian, one after the other in parameter order. The JSON is
 * built and parsed with cJSON; everything read from a file is checked before
 * it sizes an allocation or an offset. */
#include "checkpoint.h"

#include "atomic_file.h"
#include "safe_io.h"

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
/* Room for a file's string echoed in a message: up to 60 bytes, each at most
 * 4 escaped characters, and "...". */
#define ESCAPED_MAX 256

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
    return rec->dataset[0] || rec->dataset_sha256[0] || rec->augment[0] || rec->optimizer[0] || rec->epochs >= 0 || rec->batch >= 0 ||
           rec->lr >= 0.0 || rec->seed != 0 || rec->test_accuracy >= 0.0;
}

/* ---------------------------------------------------------------- tensors */

enum { T_PARAM, T_OPTIM /* optim.m / optim.v: training state */ };

/* One tensor a net's metadata calls for. */
typedef struct {
    char name[48];
    int layer;           /* -1 for training state */
    int which;           /* T_PARAM or T_OPTIM */
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
    if (rec->dataset_sha256[0])
        ok = ok && add_string(meta, "dyad.dataset_sha256", "%s", rec->dataset_sha256);
    if (rec->augment[0]) ok = ok && add_string(meta, "dyad.augment", "%s", rec->augment);
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

static int add_resume_metadata(cJSON *meta, const nn_optimizer *opt, const nn_train_resume *rs);

/* The whole header JSON (without padding), or NULL when out of memory. */
static char *header_json(const nn_mlp *net, const nn_train_record *rec, const nn_optimizer *opt,
                         const nn_train_resume *rs, tensor_slot *slots, int nslots) {
    cJSON *root = cJSON_CreateObject();
    int ok = root && add_metadata(root, net, rec);
    if (ok && rs)
        ok = add_resume_metadata(cJSON_GetObjectItemCaseSensitive(root, "__metadata__"), opt, rs);
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

static int list_optim_slots(const nn_optimizer *opt, size_t nparams, tensor_slot *slots);
static const float *slot_source(const nn_mlp *net, const nn_optimizer *opt, const tensor_slot *t);

/* The model, and with opt and rs the training state too. */
static nn_status save_checkpoint(const char *path, const nn_mlp *net, const nn_train_record *rec,
                                 const nn_optimizer *opt, const nn_train_resume *rs, nn_error *err) {
    if (!net || net->nlayers < 1 || !net->layers || !net->params)
        return nn_fail(err, NN_ERR_ARG, "%s: nothing to save (empty net)", path);
    if (net->nlayers > LAYERS_MAX)
        return nn_fail(err, NN_ERR_ARG, "%s: %d layers (at most %d)", path, net->nlayers,
                       LAYERS_MAX);
    if (rs && (!opt || opt->n != net->nparams))
        return nn_fail(err, NN_ERR_ARG, "%s: optimiser state does not match the net", path);
    /* every layer's tensors, then optim.m and optim.v */
    tensor_slot *slots = calloc((size_t)net->nlayers * NN_LAYER_MAX_TENSORS + 2, sizeof *slots);
    nn_layer_spec *specs = calloc((size_t)net->nlayers, sizeof *specs);
    char *json = NULL;
    if (!slots || !specs) goto oom;
    specs_of(net, specs);
    int nslots = list_tensors(net->in, specs, net->nlayers, slots);
    if (rs) nslots += list_optim_slots(opt, net->nparams, slots + nslots);
    json = header_json(net, rec, opt, rs, slots, nslots);
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
        failed = write_floats(af.f, slot_source(net, opt, &slots[s]), slots[s].count);
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

nn_status nn_checkpoint_save(const char *path, const nn_mlp *net, const nn_train_record *rec,
                          nn_error *err) {
    return save_checkpoint(path, net, rec, NULL, NULL, err);
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
            char kinds[128], esc[ESCAPED_MAX];
            nn_layer_kind_list(kinds, sizeof kinds, ", ", 0);
            st = bad(err, path, "dyad.layers[%d]: unknown kind '%s' (%s)", i,
                     nn_safe_escape(kind->valuestring, 40, esc, sizeof esc), kinds);
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
            char esc[ESCAPED_MAX];
            st = bad(err, path, "dyad.layers[%d]: activation must be '%s' for %s layer (got %s%s%s)",
                     i, want, i + 1 < n ? "a hidden" : "the last",
                     cJSON_IsString(act) ? "'" : "",
                     cJSON_IsString(act) ? nn_safe_escape(act->valuestring, 20, esc, sizeof esc) : "none given",
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
        char *end = NULL, esc[ESCAPED_MAX];
        errno = 0;
        if (!strcmp(key, "dyad.dataset")) {
            snprintf(rec->dataset, sizeof rec->dataset, "%s", val);
        } else if (!strcmp(key, "dyad.dataset_sha256")) {
            snprintf(rec->dataset_sha256, sizeof rec->dataset_sha256, "%s", val);
        } else if (!strcmp(key, "dyad.augment")) {
            snprintf(rec->augment, sizeof rec->augment, "%s", val);
        } else if (!strcmp(key, "dyad.optimizer")) {
            snprintf(rec->optimizer, sizeof rec->optimizer, "%s", val);
        } else if (!strcmp(key, "dyad.epochs") || !strcmp(key, "dyad.batch")) {
            long v = strtol(val, &end, 10);
            if (end == val || *end || errno || v < 0 || v > INT32_MAX)
                return bad(err, path, "metadata '%s' is not a non-negative integer: '%s'", key,
                           nn_safe_escape(val, 40, esc, sizeof esc));
            *(key[5] == 'e' ? &rec->epochs : &rec->batch) = (int)v;
        } else if (!strcmp(key, "dyad.lr") || !strcmp(key, "dyad.test_accuracy")) {
            double v = strtod(val, &end);
            if (end == val || *end || !isfinite(v) || v < 0)
                return bad(err, path, "metadata '%s' is not a non-negative number: '%s'", key,
                           nn_safe_escape(val, 40, esc, sizeof esc));
            *(key[5] == 'l' ? &rec->lr : &rec->test_accuracy) = v;
        } else if (!strcmp(key, "dyad.seed")) {
            unsigned long long v = strtoull(val, &end, 10);
            if (end == val || *end || errno || val[0] < '0' || val[0] > '9')
                return bad(err, path, "metadata 'dyad.seed' is not an unsigned integer: '%s'",
                           nn_safe_escape(val, 40, esc, sizeof esc));
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
    char esc[ESCAPED_MAX];
    cJSON_ArrayForEach(item, meta) {
        if (!cJSON_IsString(item))
            return bad(err, path, "__metadata__ value of '%s' is not a string",
                       nn_safe_escape(item->string, 60, esc, sizeof esc));
        for (const cJSON *other = meta->child; other != item; other = other->next)
            if (!strcmp(other->string, item->string))
                return bad(err, path, "__metadata__ key '%s' appears twice",
                           nn_safe_escape(item->string, 60, esc, sizeof esc));
    }
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(meta, "dyad.format");
    if (format && strcmp(format->valuestring, FORMAT_VERSION) != 0)
        return bad(err, path, "dyad.format '%s' is not supported (this program reads '%s')",
                   nn_safe_escape(format->valuestring, 20, esc, sizeof esc), FORMAT_VERSION);
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
    if (strcmp(dtype->valuestring, "F32") != 0) {
        char esc[ESCAPED_MAX];
        return bad(err, path, "tensor '%s': dtype '%s' is not supported (expected F32)", t->name,
                   nn_safe_escape(dtype->valuestring, 20, esc, sizeof esc));
    }

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
        if (!known) {
            char esc[ESCAPED_MAX];
            return bad(err, path, "unexpected tensor '%s' (not called for by dyad.layers)",
                       nn_safe_escape(item->string, 60, esc, sizeof esc));
        }
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

static int list_present_optim_slots(const cJSON *root, tensor_slot *slots, int nslots);

/* Index of the first NaN or infinity in values, or count when all are finite. */
static size_t first_non_finite(const float *values, size_t count) {
    for (size_t i = 0; i < count; i++)
        if (!isfinite(values[i])) return i;
    return count;
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

    slots = calloc((size_t)nlayers * NN_LAYER_MAX_TENSORS + 2, sizeof *slots);
    if (!slots) {
        st = nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    int nslots = list_tensors(in, specs, nlayers, slots);
    nslots += list_present_optim_slots(root, slots, nslots);
    uint64_t data_size = size - 8 - header_len;
    if ((st = check_tensors(path, root, slots, nslots, data_size, err)) != NN_OK) goto done;

    nn_error inner;
    if ((st = nn_mlp_create(net, in, specs, nlayers, 0, &inner)) != NN_OK) {
        nn_fail(err, st, "%s: %s", path, inner.msg);
        goto done;
    }
    const unsigned char *data = file + 8 + header_len;
    for (int s = 0; s < nslots; s++) {
        if (slots[s].which == T_OPTIM) continue; /* training state: see nn_checkpoint_load_training */
        float *values = tensor_data(net, &slots[s]);
        read_floats(data + slots[s].begin, values, slots[s].count);
        size_t bad_at = first_non_finite(values, slots[s].count);
        if (bad_at < slots[s].count) {
            st = bad(err, path, "tensor '%s' holds %s at index %zu: the weights are not finite "
                     "(a diverged training run?)", slots[s].name,
                     isnan(values[bad_at]) ? "NaN" : "an infinity", bad_at);
            nn_mlp_free(net);
            goto done;
        }
    }
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
    int fd;
    struct stat st;
    nn_status opened = nn_safe_open_regular(path, "expected a checkpoint", &fd, &st, err);
    if (opened != NN_OK) return opened;
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

/* --------------------------------------------------------- training state */

static const char *const OPTIM_TENSORS[2] = {"optim.m", "optim.v"};

/* optim.m always, optim.v for Adam: [nparams] each. */
static int list_optim_slots(const nn_optimizer *opt, size_t nparams, tensor_slot *slots) {
    int count = opt->v ? 2 : 1;
    for (int k = 0; k < count; k++) {
        tensor_slot *t = &slots[k];
        snprintf(t->name, sizeof t->name, "%s", OPTIM_TENSORS[k]);
        t->layer = -1, t->which = T_OPTIM, t->rank = 1;
        t->shape[0] = (int64_t)nparams;
        t->count = nparams;
    }
    return count;
}

static const float *slot_source(const nn_mlp *net, const nn_optimizer *opt, const tensor_slot *t) {
    if (t->which != T_OPTIM) return tensor_data(net, t);
    return strcmp(t->name, OPTIM_TENSORS[0]) == 0 ? opt->m : opt->v;
}

/* While loading: the optim.* tensors the header has, sized by the model's
 * parameter count (the sum of the slots listed so far), so check_tensors
 * validates them like any other and accepts them as known. */
static int list_present_optim_slots(const cJSON *root, tensor_slot *slots, int nslots) {
    size_t nparams = 0;
    for (int s = 0; s < nslots; s++) nparams += slots[s].count;
    int added = 0;
    for (int k = 0; k < 2; k++) {
        if (!cJSON_GetObjectItemCaseSensitive(root, OPTIM_TENSORS[k])) continue;
        tensor_slot *t = &slots[nslots + added++];
        snprintf(t->name, sizeof t->name, "%s", OPTIM_TENSORS[k]);
        t->layer = -1, t->which = T_OPTIM, t->rank = 1;
        t->shape[0] = (int64_t)nparams;
        t->count = nparams;
    }
    return added;
}

static int add_resume_metadata(cJSON *meta, const nn_optimizer *opt, const nn_train_resume *rs) {
    const nn_optim_config *c = &opt->cfg;
    /* %a: floats and doubles round-trip exactly */
    return meta && add_string(meta, "dyad.resume.optimizer", "%s", nn_optim_kind_name(c->kind)) &&
           add_string(meta, "dyad.resume.lr", "%a", (double)c->lr) &&
           add_string(meta, "dyad.resume.momentum", "%a", (double)c->momentum) &&
           add_string(meta, "dyad.resume.beta1", "%a", (double)c->beta1) &&
           add_string(meta, "dyad.resume.beta2", "%a", (double)c->beta2) &&
           add_string(meta, "dyad.resume.eps", "%a", (double)c->eps) &&
           add_string(meta, "dyad.resume.weight_decay", "%a", (double)c->weight_decay) &&
           add_string(meta, "dyad.resume.schedule", "%s", nn_schedule_kind_name(c->schedule)) &&
           add_string(meta, "dyad.resume.warmup", "%d", c->warmup_steps) &&
           add_string(meta, "dyad.resume.optim_step", "%ld", opt->step) &&
           add_string(meta, "dyad.resume.epochs", "%d", rs->epochs) &&
           add_string(meta, "dyad.resume.epoch", "%d", rs->epoch) &&
           add_string(meta, "dyad.resume.batches_done", "%d", rs->batches_done) &&
           add_string(meta, "dyad.resume.step", "%ld", rs->step) &&
           add_string(meta, "dyad.resume.train_count", "%d", rs->train_count) &&
           add_string(meta, "dyad.resume.rng", "%016" PRIx64 " %016" PRIx64 " %016" PRIx64
                      " %016" PRIx64, rs->rng[0], rs->rng[1], rs->rng[2], rs->rng[3]) &&
           add_string(meta, "dyad.resume.loss_sum", "%a", rs->loss_sum) &&
           add_string(meta, "dyad.resume.hits", "%ld", rs->hits) &&
           add_string(meta, "dyad.resume.seen", "%ld", rs->seen) &&
           add_string(meta, "dyad.resume.first_loss", "%a", rs->first_loss);
}

nn_status nn_checkpoint_save_training(const char *path, const nn_mlp *net, const nn_train_record *rec,
                                   const nn_optimizer *opt, const nn_train_resume *rs, nn_error *err) {
    if (!opt || !rs) return nn_fail(err, NN_ERR_ARG, "%s: no training state to save", path);
    return save_checkpoint(path, net, rec, opt, rs, err);
}

/* The header of an already validated checkpoint, parsed again; *data_start
 * gets the data section's file offset. NULL (err set) on failure. */
static cJSON *read_header(const char *path, int fd, uint64_t *data_start, nn_error *err) {
    unsigned char lenbuf[8];
    if (pread(fd, lenbuf, 8, 0) != 8) {
        bad(err, path, "cannot read the header length");
        return NULL;
    }
    uint64_t header_len = 0;
    for (int b = 7; b >= 0; b--) header_len = header_len << 8 | lenbuf[b];
    if (header_len > HEADER_MAX) {
        bad(err, path, "header length %" PRIu64 " is absurd", header_len);
        return NULL;
    }
    char *text = malloc(header_len + 1);
    if (!text) {
        nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    cJSON *root = NULL;
    if (pread(fd, text, header_len, 8) == (ssize_t)header_len) {
        text[header_len] = 0;
        root = cJSON_ParseWithLength(text, header_len);
    }
    free(text);
    if (!root) bad(err, path, "cannot read the header again (did the file change?)");
    *data_start = 8 + header_len;
    return root;
}

/* A dyad.resume.* value, or NULL. */
static const char *resume_value(const cJSON *meta, const char *key) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(meta, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static int parse_long(const char *text, long lo, long hi, long *out) {
    if (!text) return 0;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

static int parse_double(const char *text, double *out) {
    if (!text) return 0;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || isnan(v)) return 0;
    *out = v;
    return 1;
}

/* The optimiser config and loop state from the metadata. */
static nn_status parse_resume(const char *path, const cJSON *meta, nn_optim_config *cfg,
                              long *nn_optim_step, nn_train_resume *rs, nn_error *err) {
    memset(cfg, 0, sizeof *cfg);
    memset(rs, 0, sizeof *rs);
    const char *failed = NULL;
    const char *kind = resume_value(meta, "dyad.resume.optimizer");
    const char *sched = resume_value(meta, "dyad.resume.schedule");
    if (!kind || nn_optim_kind_parse(kind, &cfg->kind) != NN_OK) failed = "optimizer";
    else if (!sched || nn_schedule_kind_parse(sched, &cfg->schedule) != NN_OK) failed = "schedule";
    const char *float_keys[6] = {"lr", "momentum", "beta1", "beta2", "eps", "weight_decay"};
    float *float_vals[6] = {&cfg->lr, &cfg->momentum, &cfg->beta1, &cfg->beta2, &cfg->eps,
                            &cfg->weight_decay};
    char key[64];
    for (int k = 0; !failed && k < 6; k++) {
        double v;
        snprintf(key, sizeof key, "dyad.resume.%s", float_keys[k]);
        if (!parse_double(resume_value(meta, key), &v) || !isfinite(v) || v < 0) failed = float_keys[k];
        else *float_vals[k] = (float)v;
    }
    const char *int_keys[9] = {"warmup", "optim_step", "epochs", "epoch", "batches_done",
                               "step", "train_count", "hits", "seen"};
    long ints[9];
    for (int k = 0; !failed && k < 9; k++) {
        snprintf(key, sizeof key, "dyad.resume.%s", int_keys[k]);
        if (!parse_long(resume_value(meta, key), 0, INT32_MAX, &ints[k])) failed = int_keys[k];
    }
    if (!failed) {
        cfg->warmup_steps = (int)ints[0];
        *nn_optim_step = ints[1];
        rs->epochs = (int)ints[2], rs->epoch = (int)ints[3], rs->batches_done = (int)ints[4];
        rs->step = ints[5], rs->train_count = (int)ints[6], rs->hits = ints[7], rs->seen = ints[8];
        if (rs->epoch < 1 || rs->epoch > rs->epochs + 1 || rs->train_count < 1 ||
            rs->hits > rs->seen)
            failed = "epoch";
    }
    if (!failed && (!parse_double(resume_value(meta, "dyad.resume.loss_sum"), &rs->loss_sum) ||
                    !isfinite(rs->loss_sum) || rs->loss_sum < 0))
        failed = "loss_sum";
    if (!failed && !parse_double(resume_value(meta, "dyad.resume.first_loss"), &rs->first_loss))
        failed = "first_loss";
    const char *rng_text = resume_value(meta, "dyad.resume.rng");
    if (!failed && (!rng_text || sscanf(rng_text, "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64,
                                        &rs->rng[0], &rs->rng[1], &rs->rng[2], &rs->rng[3]) != 4))
        failed = "rng";
    if (failed)
        return bad(err, path, "training state: metadata 'dyad.resume.%s' is missing or invalid",
                   failed);
    return NN_OK;
}

/* Reads tensor name ([count] F32, already validated) from the data section. */
static nn_status read_state_tensor(const char *path, int fd, const cJSON *root,
                                   uint64_t data_start, const char *name, float *dst,
                                   size_t count, nn_error *err) {
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, name), "data_offsets");
    int64_t begin, end;
    if (!cJSON_IsArray(offs) || !json_int(cJSON_GetArrayItem(offs, 0), 0, 9007199254740992.0, &begin) ||
        !json_int(cJSON_GetArrayItem(offs, 1), 0, 9007199254740992.0, &end) ||
        (uint64_t)(end - begin) != 4 * (uint64_t)count)
        return bad(err, path, "training state: tensor '%s' is missing or has the wrong size", name);
    unsigned char *buf = malloc(4 * count + 1);
    if (!buf) return nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    nn_status st = NN_OK;
    size_t want = 4 * count, got = 0;
    while (got < want) {
        ssize_t n = pread(fd, buf + got, want - got, (off_t)(data_start + (uint64_t)begin + got));
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got != want) st = bad(err, path, "training state: tensor '%s' is cut short", name);
    else read_floats(buf, dst, count);
    free(buf);
    return st;
}

int nn_checkpoint_has_training_state(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    uint64_t data_start;
    cJSON *root = read_header(path, fd, &data_start, NULL);
    close(fd);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    int has = cJSON_GetObjectItemCaseSensitive(root, OPTIM_TENSORS[0]) &&
              resume_value(meta, "dyad.resume.epoch");
    cJSON_Delete(root);
    return has;
}

nn_status nn_checkpoint_load_training(const char *path, nn_mlp *net, nn_train_record *rec,
                                   nn_optimizer *opt, nn_train_resume *rs, nn_error *err) {
    memset(net, 0, sizeof *net);
    memset(opt, 0, sizeof *opt);
    nn_mlp model;
    nn_status st = nn_checkpoint_load(path, &model, rec, err); /* every check of the model */
    if (st != NN_OK) return st;
    if (!nn_checkpoint_has_training_state(path)) {
        nn_mlp_free(&model);
        return bad(err, path, "holds no training state to resume (it was saved at the end of a "
                   "run, or by an older dyad); train it anew, or start from its settings");
    }
    int fd = open(path, O_RDONLY);
    uint64_t data_start = 0;
    cJSON *root = fd >= 0 ? read_header(path, fd, &data_start, err) : NULL;
    if (fd >= 0 && !root) st = NN_ERR_FORMAT;
    else if (fd < 0) st = nn_fail(err, NN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    nn_optim_config cfg;
    long nn_optim_step = 0;
    if (st == NN_OK)
        st = parse_resume(path, cJSON_GetObjectItemCaseSensitive(root, "__metadata__"), &cfg,
                          &nn_optim_step, rs, err);
    if (st == NN_OK && (cfg.kind == NN_OPTIM_ADAM) != (cJSON_GetObjectItemCaseSensitive(root, OPTIM_TENSORS[1]) != NULL))
        st = bad(err, path, "training state: optim.v is %s for optimiser %s",
                 cfg.kind == NN_OPTIM_ADAM ? "missing" : "present", nn_optim_kind_name(cfg.kind));
    nn_layer_spec *specs = NULL;
    nn_error inner;
    if (st == NN_OK) {
        specs = calloc((size_t)model.nlayers, sizeof *specs);
        if (!specs) st = nn_fail(err, NN_ERR_NOMEM, "%s: out of memory", path);
    }
    if (st == NN_OK) {
        specs_of(&model, specs);
        if ((st = nn_mlp_create(net, model.in, specs, model.nlayers, 1, &inner)) != NN_OK ||
            (st = nn_optim_create(opt, &cfg, model.nparams, &inner)) != NN_OK)
            nn_fail(err, st, "%s: %s", path, inner.msg);
    }
    if (st == NN_OK) {
        memcpy(net->params, model.params, sizeof(float) * model.nparams);
        opt->step = nn_optim_step;
        st = read_state_tensor(path, fd, root, data_start, OPTIM_TENSORS[0], opt->m, opt->n, err);
        if (st == NN_OK && opt->v)
            st = read_state_tensor(path, fd, root, data_start, OPTIM_TENSORS[1], opt->v, opt->n, err);
    }
    if (st != NN_OK) {
        nn_optim_free(opt);
        nn_mlp_free(net);
    }
    free(specs);
    cJSON_Delete(root);
    if (fd >= 0) close(fd);
    nn_mlp_free(&model);
    return st;
}
