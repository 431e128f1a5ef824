#include "sweep_grid.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../nn/mlp.h"

#define MAX_LAYERS 32
#define NCLASSES 10
#define MNIST_TRAIN 60000

/* Flags the sweep sets itself for every run: a grid may not give them. */
static const char *const owned_flags[] = {"--out",   "--metrics", "--data",   "--threads",
                                          "--seed",  "--epochs",  "--layers", "--hidden",
                                          "--kind",  "--ndyad",   "--resume", "--train-limit"};

static const char *const top_keys[] = {"name",        "description", "datasets", "seeds",
                                       "epochs",      "train_limit", "args",     "calibration_images",
                                       "groups",      "input",       "notes"};
static const char *const group_keys[] = {"name",   "description", "datasets", "seeds", "epochs",
                                         "train_limit", "args",   "hidden",   "kinds", "ndyad",
                                         "nets",   "disabled",    "note"};

typedef struct {
    const char *path;
    char *err;
    size_t errsize;
} ctx;

static int fail(const ctx *c, const char *group, const char *fmt, ...) {
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (group) snprintf(c->err, c->errsize, "%s: group '%s': %s", c->path, group, msg);
    else snprintf(c->err, c->errsize, "%s: %s", c->path, msg);
    return 0;
}

void sweep_hash(const char *text, char out[17]) {
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

double sweep_run_cost(size_t params, int epochs, int train_images) {
    /* evaluation of 10k test images per epoch, forward only: about a third
     * of the work of training on as many; 100k parameters stand in for the
     * per-step work that does not scale with the net (loss, batch gathering) */
    return (double)epochs * ((double)train_images + 10000.0 / 3.0) * ((double)params + 1e5);
}

static int check_keys(const ctx *c, const char *group, const cJSON *obj, const char *const *keys,
                      size_t nkeys) {
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t k = 0;
        while (k < nkeys && strcmp(it->string, keys[k]) != 0) k++;
        if (k == nkeys) return fail(c, group, "unknown key \"%s\"", it->string);
    }
    return 1;
}

/* A JSON number that is an integer in [min, max]. */
static int json_int(const cJSON *v, long min, long max, long *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (d != (double)(long)d || d < (double)min || d > (double)max) return 0;
    *out = (long)d;
    return 1;
}

/* Settings a group inherits from the top level and may override. */
typedef struct {
    uint64_t seeds[64];
    int nseeds;
    int epochs, train_limit;
    int nargs;
    char args[SWEEP_MAX_ARGS][64];
} settings;

static int read_settings(const ctx *c, const char *group, const cJSON *obj, settings *s) {
    const cJSON *v;
    long n;
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "seeds"))) {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > 64)
            return fail(c, group, "\"seeds\" must be a list of 1 to 64 integers");
        s->nseeds = 0;
        for (const cJSON *it = v->child; it; it = it->next) {
            if (!json_int(it, 0, 1L << 30, &n))
                return fail(c, group, "\"seeds\": every seed must be an integer >= 0");
            s->seeds[s->nseeds++] = (uint64_t)n;
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "epochs"))) {
        if (!json_int(v, 1, 10000, &n)) return fail(c, group, "\"epochs\" must be an integer >= 1");
        s->epochs = (int)n;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "train_limit"))) {
        if (!json_int(v, 0, 1L << 30, &n))
            return fail(c, group, "\"train_limit\" must be an integer >= 0 (0: all images)");
        s->train_limit = (int)n;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(obj, "args"))) {
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) % 2 || cJSON_GetArraySize(v) > SWEEP_MAX_ARGS)
            return fail(c, group, "\"args\" must be a list of \"--flag\", \"value\" pairs (at most "
                                  "%d strings)", SWEEP_MAX_ARGS);
        s->nargs = 0;
        int i = 0;
        for (const cJSON *it = v->child; it; it = it->next, i++) {
            if (!cJSON_IsString(it) || strlen(it->valuestring) >= sizeof s->args[0])
                return fail(c, group, "\"args\": every entry must be a string of at most %zu "
                                      "characters", sizeof s->args[0] - 1);
            const char *a = it->valuestring;
            if (i % 2 == 0) {
                if (strncmp(a, "--", 2) != 0)
                    return fail(c, group, "\"args\": expected a --flag, got \"%s\"", a);
                for (size_t k = 0; k < sizeof owned_flags / sizeof *owned_flags; k++)
                    if (!strcmp(a, owned_flags[k]))
                        return fail(c, group, "\"args\": %s is set by the sweep for every run "
                                              "(use the grid's own fields)", a);
            }
            snprintf(s->args[s->nargs++], sizeof s->args[0], "%s", a);
        }
    }
    return 1;
}

typedef struct {
    char name[32];
    char dir[1024];
    int used;
} dataset_entry;

typedef struct {
    dataset_entry sets[8];
    int nsets;
    int input;
    sweep_grid *g;
    int cap;
} grid_state;

static int add_run(grid_state *st, const ctx *c, sweep_run *r) {
    for (int i = 0; i < st->g->nruns; i++)
        if (!strcmp(st->g->runs[i].id, r->id)) return 1; /* the same run in two groups: once */
    if (st->g->nruns == st->cap) {
        int cap = st->cap ? 2 * st->cap : 64;
        sweep_run *grown = realloc(st->g->runs, (size_t)cap * sizeof *grown);
        if (!grown) return fail(c, NULL, "out of memory");
        st->g->runs = grown;
        st->cap = cap;
    }
    st->g->runs[st->g->nruns++] = *r;
    return 1;
}

static void make_key(sweep_run *r, const char *net, char id[17]) {
    char args[SWEEP_MAX_ARGS * 65] = "";
    for (int i = 0; i < r->nargs; i++) {
        if (i) strcat(args, " ");
        strcat(args, r->args[i]);
    }
    char key[sizeof r->key];
    snprintf(key, sizeof key, "dataset=%s;net=%s;seed=%llu;epochs=%d;limit=%d;args=%s", r->dataset,
             net, (unsigned long long)r->seed, r->epochs, r->train_limit, args);
    sweep_hash(key, id);
    if (net == r->net) snprintf(r->key, sizeof r->key, "%s", key);
}

/* One net of a group (spec already checked), expanded over datasets and seeds. */
typedef struct {
    char net[512], dense_net[512], label[512], kind[32], param[32], note[160];
    size_t params;
} net_entry;

static int expand_net(grid_state *st, const ctx *c, const char *group, const net_entry *ne,
                      const settings *s, const cJSON *datasets) {
    for (const cJSON *d = datasets->child; d; d = d->next) {
        int k = 0;
        while (k < st->nsets && strcmp(st->sets[k].name, d->valuestring) != 0) k++;
        st->sets[k].used = 1;
        for (int si = 0; si < s->nseeds; si++) {
            sweep_run r;
            memset(&r, 0, sizeof r);
            snprintf(r.group, sizeof r.group, "%s", group);
            snprintf(r.label, sizeof r.label, "%s", ne->label);
            snprintf(r.dataset, sizeof r.dataset, "%s", st->sets[k].name);
            snprintf(r.data_dir, sizeof r.data_dir, "%s", st->sets[k].dir);
            snprintf(r.net, sizeof r.net, "%s", ne->net);
            snprintf(r.kind, sizeof r.kind, "%s", ne->kind);
            snprintf(r.param, sizeof r.param, "%s", ne->param);
            snprintf(r.note, sizeof r.note, "%s", ne->note);
            r.seed = s->seeds[si];
            r.epochs = s->epochs;
            r.train_limit = s->train_limit;
            r.nargs = s->nargs;
            memcpy(r.args, s->args, sizeof r.args);
            r.params = ne->params;
            int images = r.train_limit && r.train_limit < MNIST_TRAIN ? r.train_limit : MNIST_TRAIN;
            r.cost = sweep_run_cost(r.params, r.epochs, images);
            make_key(&r, r.net, r.id);
            make_key(&r, ne->dense_net, r.dense_id);
            if (!add_run(st, c, &r)) return 0;
        }
    }
    return 1;
}

/* Parses text with the spec parser of dyad train, checks it against the
 * input width and fills everything but the label. cap: let DYAD layers whose
 * widths ndyad does not divide use its largest divisor that does. */
static int check_net(grid_state *st, const ctx *c, const char *group, const char *text, int cap,
                     net_entry *ne) {
    nn_layer_spec specs[MAX_LAYERS];
    nn_error err;
    int n = nn_mlp_parse_layers(text, specs, MAX_LAYERS, &err);
    if (n < 0) return fail(c, group, "net '%s': %s", text, err.msg);
    if (specs[n - 1].out != NCLASSES)
        return fail(c, group, "net '%s': the last layer must have %d units (one per class)", text,
                    NCLASSES);
    ne->note[0] = 0;
    int in = st->input;
    for (int i = 0; cap && i < n; i++) {
        int want = specs[i].ndyad;
        while (specs[i].kind != NN_LAYER_DENSE &&
               nn_layer_check(specs[i].kind, in, specs[i].out, specs[i].ndyad, &err) != NN_OK) {
            int d = specs[i].ndyad - 1;
            while (d >= 2 && want % d) d--;
            if (d < 2) {
                specs[i].ndyad = want; /* nothing fits: the check below names the original */
                break;
            }
            specs[i].ndyad = d;
        }
        if (specs[i].ndyad != want) {
            size_t used = strlen(ne->note);
            snprintf(ne->note + used, sizeof ne->note - used, "%slayer %d (%d -> %d) at ndyad %d: "
                     "%d does not divide %d", used ? "; " : "", i + 1, in, specs[i].out,
                     specs[i].ndyad, want, specs[i].out % want ? specs[i].out : in);
        }
        in = specs[i].out;
    }
    if (nn_mlp_check_specs(st->input, specs, n, &err) != NN_OK)
        return fail(c, group, "net '%s': %s", text, err.msg);
    nn_mlp net;
    if (nn_mlp_create(&net, st->input, specs, n, 0, &err) != NN_OK)
        return fail(c, group, "net '%s': %s", text, err.msg);
    ne->params = net.nparams;
    nn_mlp_free(&net);
    /* canonical spec, the dense net of the same widths, the hidden kind */
    size_t a = 0, b = 0;
    int uniform = 1;
    for (int i = 0; i < n; i++) {
        if (specs[i].kind == NN_LAYER_DENSE)
            a += (size_t)snprintf(ne->net + a, sizeof ne->net - a, "%sdense:%d", i ? "," : "",
                                  specs[i].out);
        else
            a += (size_t)snprintf(ne->net + a, sizeof ne->net - a, "%s%s/%d:%d", i ? "," : "",
                                  nn_layer_kind_name(specs[i].kind), specs[i].ndyad, specs[i].out);
        b += (size_t)snprintf(ne->dense_net + b, sizeof ne->dense_net - b, "%sdense:%d",
                              i ? "," : "", specs[i].out);
        if (a >= sizeof ne->net || b >= sizeof ne->dense_net)
            return fail(c, group, "net '%s' is too long", text);
        if (i < n - 1 && specs[i].kind != specs[0].kind) uniform = 0;
    }
    snprintf(ne->kind, sizeof ne->kind, "%s", uniform || n == 1 ? nn_layer_kind_name(specs[0].kind)
                                                                 : "mixed");
    ne->param[0] = 0;
    if (!cap) {
        /* spelled out: kept as written (a kind's parameter need not be an
         * integer); the parameter is the first layer's when all agree */
        size_t w = 0;
        for (const char *p = text; *p && w + 1 < sizeof ne->net; p++)
            if (*p != ' ') ne->net[w++] = *p;
        ne->net[w] = 0;
        const char *slash = strchr(ne->net, '/'), *colon = strchr(ne->net, ':');
        if (uniform && specs[0].kind != NN_LAYER_DENSE && slash && colon > slash) {
            int same = 1;
            for (int i = 1; i < n - 1; i++) same &= specs[i].ndyad == specs[0].ndyad;
            if (same) snprintf(ne->param, sizeof ne->param, "%.*s", (int)(colon - slash - 1), slash + 1);
        }
    } else if (uniform && specs[0].kind != NN_LAYER_DENSE) {
        snprintf(ne->param, sizeof ne->param, "%d", specs[n > 1 ? n - 2 : 0].ndyad);
    }
    return 1;
}

static int load_group(grid_state *st, const ctx *c, const cJSON *grp, const settings *top) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(grp, "name");
    if (!cJSON_IsObject(grp)) return fail(c, NULL, "every entry of \"groups\" must be an object");
    if (!cJSON_IsString(name) || !name->valuestring[0] || strlen(name->valuestring) >= 64)
        return fail(c, NULL, "every group needs a \"name\" (a string of 1 to 63 characters)");
    const char *g = name->valuestring;
    if (!check_keys(c, g, grp, group_keys, sizeof group_keys / sizeof *group_keys)) return 0;
    const cJSON *dis = cJSON_GetObjectItemCaseSensitive(grp, "disabled");
    if (dis && !cJSON_IsFalse(dis)) {
        if (st->g->ndisabled < 16)
            snprintf(st->g->disabled[st->g->ndisabled++], sizeof st->g->disabled[0], "%s: %s", g,
                     cJSON_IsString(dis) ? dis->valuestring : "disabled");
        return 1; /* not parsed: it may name kinds this build does not know */
    }
    settings s = *top;
    if (!read_settings(c, g, grp, &s)) return 0;

    cJSON *default_sets = NULL;
    const cJSON *datasets = cJSON_GetObjectItemCaseSensitive(grp, "datasets");
    if (!datasets) {
        default_sets = cJSON_CreateArray();
        cJSON_AddItemToArray(default_sets, cJSON_CreateString(st->sets[0].name));
        datasets = default_sets;
    }
    int ok = 0;
    if (!cJSON_IsArray(datasets) || cJSON_GetArraySize(datasets) < 1) {
        fail(c, g, "\"datasets\" must be a non-empty list of dataset names");
        goto done;
    }
    for (const cJSON *d = datasets->child; d; d = d->next) {
        int k = 0;
        while (cJSON_IsString(d) && k < st->nsets && strcmp(st->sets[k].name, d->valuestring)) k++;
        if (!cJSON_IsString(d) || k == st->nsets) {
            fail(c, g, "dataset %s%s%s is not one of the grid's \"datasets\"",
                 cJSON_IsString(d) ? "'" : "", cJSON_IsString(d) ? d->valuestring : "(not a string)",
                 cJSON_IsString(d) ? "'" : "");
            goto done;
        }
    }

    const cJSON *nets = cJSON_GetObjectItemCaseSensitive(grp, "nets");
    const cJSON *hidden = cJSON_GetObjectItemCaseSensitive(grp, "hidden");
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(grp, "kinds");
    const cJSON *ndyad = cJSON_GetObjectItemCaseSensitive(grp, "ndyad");
    if (!nets == !hidden) {
        fail(c, g, "give either \"nets\" (--layers specs) or \"hidden\" with \"kinds\" and \"ndyad\"");
        goto done;
    }
    net_entry ne;
    if (nets) {
        if (!cJSON_IsArray(nets) || cJSON_GetArraySize(nets) < 1) {
            fail(c, g, "\"nets\" must be a non-empty list");
            goto done;
        }
        for (const cJSON *it = nets->child; it; it = it->next) {
            const cJSON *layers = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "layers") : it;
            const cJSON *label = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "label") : NULL;
            if (!cJSON_IsString(layers) || strlen(layers->valuestring) >= sizeof ne.net ||
                (label && (!cJSON_IsString(label) || strlen(label->valuestring) >= sizeof ne.label))) {
                fail(c, g, "every entry of \"nets\" must be a --layers spec string or "
                           "{\"label\": \"...\", \"layers\": \"...\"}");
                goto done;
            }
            if (!check_net(st, c, g, layers->valuestring, 0, &ne)) goto done;
            snprintf(ne.label, sizeof ne.label, "%s", label ? label->valuestring : ne.net);
            if (!expand_net(st, c, g, &ne, &s, datasets)) goto done;
        }
        ok = 1;
        goto done;
    }
    if (!cJSON_IsArray(hidden) || cJSON_GetArraySize(hidden) < 1 || !cJSON_IsArray(kinds) ||
        cJSON_GetArraySize(kinds) < 1) {
        fail(c, g, "\"hidden\" must be a list of width lists (e.g. [[1024, 1024]]) and \"kinds\" a "
                   "non-empty list of kind names");
        goto done;
    }
    for (const cJSON *h = hidden->child; h; h = h->next) {
        char widths[MAX_LAYERS][16];
        int nw = 0;
        if (!cJSON_IsArray(h) || cJSON_GetArraySize(h) < 1 || cJSON_GetArraySize(h) >= MAX_LAYERS) {
            fail(c, g, "\"hidden\": every entry must be a list of widths, e.g. [1024, 1024]");
            goto done;
        }
        for (const cJSON *w = h->child; w; w = w->next) {
            long v;
            if (!json_int(w, 1, 1 << 20, &v)) {
                fail(c, g, "\"hidden\": widths must be positive integers");
                goto done;
            }
            snprintf(widths[nw++], sizeof widths[0], "%ld", v);
        }
        for (const cJSON *k = kinds->child; k; k = k->next) {
            if (!cJSON_IsString(k) || strlen(k->valuestring) > 24) {
                fail(c, g, "\"kinds\": every entry must be a kind name");
                goto done;
            }
            int dense = !strcmp(k->valuestring, "dense");
            if (!dense && (!cJSON_IsArray(ndyad) || cJSON_GetArraySize(ndyad) < 1)) {
                fail(c, g, "kind '%s' needs \"ndyad\": a list of block counts", k->valuestring);
                goto done;
            }
            int count = dense ? 1 : cJSON_GetArraySize(ndyad);
            for (int j = 0; j < count; j++) {
                long v = 1;
                if (!dense && !json_int(cJSON_GetArrayItem(ndyad, j), 1, 1 << 20, &v)) {
                    fail(c, g, "\"ndyad\": every entry must be a positive integer");
                    goto done;
                }
                char text[512];
                size_t used = 0;
                for (int i = 0; i < nw; i++) {
                    if (dense)
                        used += (size_t)snprintf(text + used, sizeof text - used, "dense:%s,", widths[i]);
                    else
                        used += (size_t)snprintf(text + used, sizeof text - used, "%s/%ld:%s,",
                                                 k->valuestring, v, widths[i]);
                    if (used >= sizeof text) {
                        fail(c, g, "\"hidden\": too many layers");
                        goto done;
                    }
                }
                snprintf(text + used, sizeof text - used, "dense:%d", NCLASSES);
                if (!check_net(st, c, g, text, 1, &ne)) goto done;
                if (dense) snprintf(ne.label, sizeof ne.label, "dense");
                else snprintf(ne.label, sizeof ne.label, "%s/%ld", k->valuestring, v);
                if (dense) ne.param[0] = 0;
                else snprintf(ne.param, sizeof ne.param, "%ld", v);
                if (!expand_net(st, c, g, &ne, &s, datasets)) goto done;
            }
        }
    }
    ok = 1;
done:
    cJSON_Delete(default_sets);
    return ok;
}

static int load_datasets(grid_state *st, const ctx *c, const cJSON *root) {
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(root, "datasets");
    if (!ds) {
        snprintf(st->sets[0].name, sizeof st->sets[0].name, "mnist");
        snprintf(st->sets[0].dir, sizeof st->sets[0].dir, "$MNIST_DIR");
        st->nsets = 1;
    } else {
        if (!cJSON_IsObject(ds) || !ds->child)
            return fail(c, NULL, "\"datasets\" must be an object of name: directory");
        for (const cJSON *it = ds->child; it; it = it->next) {
            if (st->nsets == 8) return fail(c, NULL, "\"datasets\": at most 8");
            if (!cJSON_IsString(it) || strlen(it->string) >= sizeof st->sets[0].name ||
                strlen(it->valuestring) >= sizeof st->sets[0].dir)
                return fail(c, NULL, "\"datasets\": '%s' must name a directory (a string)",
                            it->string);
            snprintf(st->sets[st->nsets].name, sizeof st->sets[0].name, "%s", it->string);
            snprintf(st->sets[st->nsets].dir, sizeof st->sets[0].dir, "%s", it->valuestring);
            st->nsets++;
        }
    }
    for (int k = 0; k < st->nsets; k++)
        if (!strcmp(st->sets[k].dir, "$MNIST_DIR")) {
            const char *env = getenv("MNIST_DIR");
            snprintf(st->sets[k].dir, sizeof st->sets[k].dir, "%s", env && *env ? env : "data");
        }
    return 1;
}

int sweep_grid_load(const char *path, sweep_grid *g, char *err, size_t errsize) {
    ctx c = {path, err, errsize};
    memset(g, 0, sizeof *g);
    FILE *f = fopen(path, "rb");
    if (!f) return fail(&c, NULL, "cannot open the grid file");
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *grown = realloc(text, cap);
            if (!grown) break;
            text = grown;
        }
        size_t n = fread(text + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
    }
    fclose(f);
    if (!text) return fail(&c, NULL, "cannot read the grid file");
    text[len] = 0;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        int line = 1;
        for (const char *p = text; at && p < at && *p; p++) line += *p == '\n';
        free(text);
        return fail(&c, NULL, "not valid JSON (near line %d)", line);
    }
    free(text);
    int ok = 0;
    grid_state st;
    memset(&st, 0, sizeof st);
    st.g = g;
    st.input = 784;
    settings top;
    memset(&top, 0, sizeof top);
    top.seeds[0] = 1;
    top.nseeds = 1;
    top.epochs = 10;
    long v;
    const cJSON *it;
    if (!cJSON_IsObject(root)) {
        fail(&c, NULL, "the grid must be a JSON object");
        goto done;
    }
    if (!check_keys(&c, NULL, root, top_keys, sizeof top_keys / sizeof *top_keys)) goto done;
    it = cJSON_GetObjectItemCaseSensitive(root, "name");
    snprintf(g->name, sizeof g->name, "%s", cJSON_IsString(it) ? it->valuestring : "grid");
    g->calibration_images = 8192;
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "calibration_images"))) {
        if (!json_int(it, 64, 1 << 20, &v)) {
            fail(&c, NULL, "\"calibration_images\" must be an integer >= 64");
            goto done;
        }
        g->calibration_images = (int)v;
    }
    if ((it = cJSON_GetObjectItemCaseSensitive(root, "input"))) {
        if (!json_int(it, 1, 1 << 24, &v)) {
            fail(&c, NULL, "\"input\" must be a positive integer (784 for 28x28 images)");
            goto done;
        }
        st.input = (int)v;
    }
    if (!load_datasets(&st, &c, root) || !read_settings(&c, NULL, root, &top)) goto done;
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
    if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) < 1) {
        fail(&c, NULL, "\"groups\" must be a non-empty list of groups");
        goto done;
    }
    for (it = groups->child; it; it = it->next)
        for (const cJSON *prev = groups->child; prev != it; prev = prev->next) {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "name");
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(prev, "name");
            if (cJSON_IsString(a) && cJSON_IsString(b) && !strcmp(a->valuestring, b->valuestring)) {
                fail(&c, NULL, "two groups are named '%s'", a->valuestring);
                goto done;
            }
        }
    for (it = groups->child; it; it = it->next)
        if (!load_group(&st, &c, it, &top)) goto done;
    if (g->nruns == 0) {
        fail(&c, NULL, "no runs: every group is disabled");
        goto done;
    }
    for (int k = 0; k < st.nsets; k++) {
        struct stat sb;
        if (st.sets[k].used && (stat(st.sets[k].dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
            fail(&c, NULL, "dataset '%s': %s is not a directory%s", st.sets[k].name, st.sets[k].dir,
                 strstr(st.sets[k].name, "fashion") ? " (apt-get install dataset-fashion-mnist)"
                                                    : " (set MNIST_DIR or run `make data`)");
            goto done;
        }
    }
    /* dense references first, so each DYAD run finds its dense run finished */
    sweep_run *sorted = malloc((size_t)g->nruns * sizeof *sorted);
    if (!sorted) {
        fail(&c, NULL, "out of memory");
        goto done;
    }
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < g->nruns; i++)
            if ((strcmp(g->runs[i].id, g->runs[i].dense_id) != 0) == pass) sorted[n++] = g->runs[i];
    free(g->runs);
    g->runs = sorted;
    ok = 1;
done:
    cJSON_Delete(root);
    if (!ok) sweep_grid_free(g);
    return ok;
}

void sweep_grid_free(sweep_grid *g) {
    free(g->runs);
    g->runs = NULL;
    g->nruns = 0;
}
