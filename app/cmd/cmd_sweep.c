/* dyad sweep GRID: runs a study's grid (app/sweep_grid.h) as `dyad train`
 * child processes, one row per finished run appended to DIR/results.csv.
 * A rerun skips the runs already there (a stable run id, the hash of what
 * makes the run), continues an interrupted run from its checkpoint, and
 * SIGINT/SIGTERM stop the children cleanly (their checkpoints resume). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../nn/checkpoint.h"
#include "../../nn/kernels.h"
#include "commands.h"
#include "sweep_csv.h"
#include "sweep_grid.h"

static const char usage[] =
    "usage: dyad sweep GRID.json [--out DIR] [--jobs auto|1|2] [--dry-run [--estimate-from DIR2]]\n"
    "\n"
    "Runs every run of a study grid (nets x datasets x seeds, see assets/study/grid.json) as a\n"
    "`dyad train` child process and appends one row per finished run to DIR/results.csv\n"
    "(default DIR: study-runs/NAME, NAME from the grid). Per run, DIR/runs/ID/ holds the\n"
    "checkpoint, the per-epoch metrics CSV and the log. Rerunning the same command skips the\n"
    "finished runs and continues an interrupted one from its last checkpoint. Ctrl-C or SIGTERM\n"
    "stops the runs in progress cleanly (exit 130 or 143).\n"
    "\n"
    "  --out DIR            where runs and results go\n"
    "  --jobs auto|1|2      1: one run at a time on 2 threads; 2: two single-threaded runs side\n"
    "                       by side; auto (default): measured once per DIR (one epoch of the\n"
    "                       grid's first net on calibration_images images, alone on 2 threads,\n"
    "                       then twice side by side on 1 thread; the higher total images/s\n"
    "                       wins) and recorded in DIR/jobs.txt\n"
    "  --dry-run            check the grid and list its runs (finished or pending); runs nothing\n"
    "  --estimate-from DIR2 with --dry-run: estimate the pending runs' time from the runs in\n"
    "                       DIR2/results.csv (epoch time per image fitted as a + b*parameters)\n"
    "\n"
    "The report: python3 assets/study/report.py DIR --out OUTDIR (see `make reproduce`).\n";

static const char *const columns[] = {
    "run_id", "group", "label", "dataset", "net", "kind", "param", "seed", "epochs", "train_limit",
    "hyperparameters", "threads", "jobs", "params", "checkpoint_bytes", "nonzero_w", "epoch_s",
    "test_acc", "best_test_acc", "dense_run_id", "speedup_vs_dense", "acc_pct_of_dense", "wall_s",
    "finished_utc", "note"};
#define NCOLUMNS ((int)(sizeof columns / sizeof columns[0]))
enum { C_ID, C_GROUP, C_LABEL, C_DATASET, C_NET, C_KIND, C_PARAM, C_SEED, C_EPOCHS, C_LIMIT,
       C_HYPER, C_THREADS, C_JOBS, C_PARAMS, C_BYTES, C_NONZERO, C_EPOCH_S, C_ACC, C_BEST,
       C_DENSE, C_SPEEDUP, C_ACC_PCT, C_WALL, C_FINISHED, C_NOTE };

static volatile sig_atomic_t stop_signal = 0;
static void on_stop(int sig) { stop_signal = sig; }

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void utc_now(char *buf, size_t size) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void hms(double s, char *buf, size_t size) {
    long t = s > 0 ? (long)(s + 0.5) : 0;
    snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static int mkdir_p(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return 0;
            *p = '/';
        }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST;
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t len = 0, cap = 4096;
    char *text = malloc(cap);
    size_t n;
    while (text && (n = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2048) {
            char *grown = realloc(text, cap *= 2);
            if (!grown) {
                free(text);
                text = NULL;
            }
            text = grown;
        }
    }
    fclose(f);
    if (text) text[len] = 0;
    return text;
}

/* --------------------------------------------------------- results table */

typedef struct {
    char id[17];
    double epoch_s, test_acc, params, wall_s;
    int epochs, train_limit, jobs;
} result_row;

typedef struct {
    result_row *rows;
    int n, cap;
} results;

static const result_row *results_find(const results *t, const char *id) {
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->rows[i].id, id)) return &t->rows[i];
    return NULL;
}

static int results_add(results *t, const result_row *r) {
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        result_row *grown = realloc(t->rows, (size_t)cap * sizeof *grown);
        if (!grown) return 0;
        t->rows = grown;
        t->cap = cap;
    }
    t->rows[t->n++] = *r;
    return 1;
}

/* Reads path (absent: empty table). 0 with a message if it is not ours. */
static int results_load(const char *path, results *t) {
    memset(t, 0, sizeof *t);
    char *text = read_text(path);
    if (!text) return errno == ENOENT ? 1 : (fprintf(stderr, "dyad sweep: %s: %s\n", path, strerror(errno)), 0);
    int ok = 1, line = 1;
    const char *p = text;
    while (*p) {
        char *buf, *f[CSV_MAX_FIELDS];
        size_t used;
        int n = csv_parse_record(p, &used, &buf, f, CSV_MAX_FIELDS);
        if (line == 1) {
            int same = n == NCOLUMNS;
            for (int i = 0; same && i < n; i++) same = !strcmp(f[i], columns[i]);
            if (!same) {
                fprintf(stderr, "dyad sweep: %s: not a results file of this dyad sweep (its header "
                                "differs); move it away or pick another --out\n", path);
                ok = 0;
            }
        } else if (n != NCOLUMNS || strlen(f[C_ID]) != 16) {
            fprintf(stderr, "dyad sweep: %s: line %d: expected %d fields starting with a run id "
                            "(a damaged file?)\n", path, line, NCOLUMNS);
            ok = 0;
        } else {
            result_row r = {.epoch_s = atof(f[C_EPOCH_S]), .test_acc = atof(f[C_ACC]),
                            .params = atof(f[C_PARAMS]), .wall_s = atof(f[C_WALL]),
                            .epochs = atoi(f[C_EPOCHS]), .train_limit = atoi(f[C_LIMIT]),
                            .jobs = atoi(f[C_JOBS])};
            snprintf(r.id, sizeof r.id, "%s", f[C_ID]);
            if (!results_add(t, &r)) ok = 0;
        }
        free(buf);
        if (n < 0 || !ok) {
            if (n < 0) fprintf(stderr, "dyad sweep: %s: line %d: unterminated quote\n", path, line);
            ok = 0;
            break;
        }
        for (size_t i = 0; i < used; i++) line += p[i] == '\n';
        p += used;
    }
    free(text);
    return ok;
}

/* ------------------------------------------------------- child processes */

typedef struct {
    char *v[80];
    int n;
} argv_list;

static void arg(argv_list *a, const char *fmt, ...) {
    char buf[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (a->n < 79) a->v[a->n++] = strdup(buf);
    a->v[a->n] = NULL;
}

static void args_free(argv_list *a) {
    for (int i = 0; i < a->n; i++) free(a->v[i]);
    a->n = 0;
}

/* Starts this program with argv, output to log; the child dies with us. */
static pid_t spawn(const argv_list *a, const char *log) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid != 0) return pid;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    signal(SIGPIPE, SIG_DFL);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0) _exit(126);
    dup2(null, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
    close(null);
    execv("/proc/self/exe", a->v);
    _exit(127);
}

static int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Per-epoch metrics of a finished run: median epoch seconds, last and best
 * test accuracy, images/s of the last epoch. Returns the epochs read. */
typedef struct {
    double epoch_s, test_acc, best_acc, images_per_s;
} metrics_summary;

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* partial: epochs to leave out of the median time (an epoch interrupted and
 * resumed times only its second part), unless that leaves none. */
static int read_metrics(const char *path, metrics_summary *m, const char *partial) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[512];
    double secs[1000], all[1000];
    int n = 0, kept = 0;
    memset(m, 0, sizeof *m);
    while (fgets(line, sizeof line, f)) {
        int epoch;
        double loss, tacc, acc, s, ips;
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf", &epoch, &loss, &tacc, &acc, &s, &ips) != 6)
            continue; /* the header */
        if (n == 1000) break;
        all[n++] = s;
        char tag[24];
        snprintf(tag, sizeof tag, " %d ", epoch);
        if (!partial || !strstr(partial, tag)) secs[kept++] = s;
        m->test_acc = acc;
        m->images_per_s = ips;
        if (acc > m->best_acc) m->best_acc = acc;
    }
    fclose(f);
    double *times = kept ? secs : all;
    int count = kept ? kept : n;
    if (count) {
        qsort(times, (size_t)count, sizeof *times, cmp_double);
        m->epoch_s = count % 2 ? times[count / 2] : 0.5 * (times[count / 2 - 1] + times[count / 2]);
    }
    return n;
}

/* ------------------------------------------------------ choosing --jobs */

typedef struct {
    int jobs, threads;
} plan;

static void calib_args(argv_list *a, const sweep_run *r, int images, int threads, const char *dir,
                       const char *name) {
    arg(a, "dyad");
    arg(a, "train");
    arg(a, "--data");
    arg(a, "%s", r->data_dir);
    arg(a, "--layers");
    arg(a, "%s", r->net);
    arg(a, "--epochs");
    arg(a, "1");
    arg(a, "--train-limit");
    arg(a, "%d", images);
    arg(a, "--threads");
    arg(a, "%d", threads);
    arg(a, "--out");
    arg(a, "%s/%s.safetensors", dir, name);
    arg(a, "--metrics");
    arg(a, "%s/%s.csv", dir, name);
    for (int i = 0; i < r->nargs; i++) arg(a, "%s", r->args[i]);
}

/* DIR/jobs.txt's first line "jobs J threads T", else a measurement. */
static int choose_jobs(const char *dir, const sweep_grid *g, plan *p) {
    char path[4200], cdir[4200];
    snprintf(path, sizeof path, "%s/jobs.txt", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        int ok = fscanf(f, "jobs %d threads %d", &p->jobs, &p->threads) == 2 && p->jobs >= 1 &&
                 p->jobs <= 2 && p->threads >= 1;
        fclose(f);
        if (ok) {
            printf("sweep: jobs %d x threads %d, as measured before (%s)\n", p->jobs, p->threads, path);
            return 1;
        }
    }
    snprintf(cdir, sizeof cdir, "%s/calibration", dir);
    if (!mkdir_p(cdir)) {
        fprintf(stderr, "dyad sweep: cannot create %s: %s\n", cdir, strerror(errno));
        return 0;
    }
    const sweep_run *r = &g->runs[0];
    printf("sweep: measuring --jobs: 1 epoch of %s on %d images, alone on 2 threads, then twice "
           "side by side on 1 thread\n", r->net, g->calibration_images);
    fflush(stdout);
    double rate[3] = {0};
    const char *names[3] = {"two-threads", "one-thread-a", "one-thread-b"};
    for (int phase = 0; phase < 2; phase++) {
        pid_t pids[2];
        int count = phase ? 2 : 1;
        for (int k = 0; k < count; k++) {
            argv_list a = {0};
            int which = phase ? 1 + k : 0;
            calib_args(&a, r, g->calibration_images, phase ? 1 : 2, cdir, names[which]);
            char log[4400];
            snprintf(log, sizeof log, "%s/%s.log", cdir, names[which]);
            unlink(log);
            pids[k] = spawn(&a, log);
            args_free(&a);
            if (pids[k] < 0) {
                fprintf(stderr, "dyad sweep: fork: %s\n", strerror(errno));
                return 0;
            }
        }
        for (int k = 0; k < count; k++) {
            int status;
            while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
                for (int j = k; stop_signal && j < count; j++) kill(pids[j], SIGTERM);
            int which = phase ? 1 + k : 0;
            char csv[4400];
            metrics_summary m;
            snprintf(csv, sizeof csv, "%s/%s.csv", cdir, names[which]);
            if (exit_code(status) != 0 || read_metrics(csv, &m, NULL) != 1) {
                if (!stop_signal)
                    fprintf(stderr, "dyad sweep: the --jobs measurement failed (exit %d): see %s/%s.log\n",
                            exit_code(status), cdir, names[which]);
                return 0;
            }
            rate[which] = m.images_per_s;
        }
    }
    double pair = rate[1] + rate[2];
    *p = pair > rate[0] ? (plan){2, 1} : (plan){1, 2};
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "dyad sweep: cannot write %s: %s\n", path, strerror(errno));
        return 0;
    }
    fprintf(f, "jobs %d threads %d\n", p->jobs, p->threads);
    fprintf(f, "measured: %s on %s, 1 epoch of %d images: one run on 2 threads %.0f images/s; "
               "two runs side by side on 1 thread %.0f + %.0f = %.0f images/s\n",
            r->net, r->dataset, g->calibration_images, rate[0], rate[1], rate[2], pair);
    fclose(f);
    printf("sweep: one run on 2 threads %.0f images/s, two side by side %.0f images/s: jobs %d x "
           "threads %d (recorded in %s)\n", rate[0], pair, p->jobs, p->threads, path);
    return 1;
}

/* ------------------------------------------------------------- the sweep */

typedef struct {
    const char *grid_path, *dir, *jobs, *estimate_from;
    int dry_run;
} sweep_args;

typedef struct {
    pid_t pid;
    int run;     /* index into the grid */
    int resumed; /* started from its checkpoint */
    double started;
} slot;

typedef struct {
    const sweep_args *a;
    const sweep_grid *g;
    results done;
    plan p;
    char results_path[4200];
    int finished, failed, launched;
    double cost_done, started;
    double runs_started; /* after the --jobs measurement: the clock of the estimate */
} sweep;

static void run_path(const sweep *s, const sweep_run *r, const char *name, char *out, size_t size) {
    snprintf(out, size, "%s/runs/%s/%s", s->a->dir, r->id, name);
}

/* Structurally nonzero entries of every layer's W over all entries. */
static double nonzero_fraction(const nn_mlp *net) {
    double nz = 0, all = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const nn_layer *l = &net->layers[i];
        for (int row = 0; row < l->out; row++)
            for (int col = 0; col < l->in; col++) nz += nn_layer_weight_part(l, row, col) != 0;
        all += (double)l->in * l->out;
    }
    return all > 0 ? nz / all : 0;
}

/* Appends the finished run's row. 0 (message printed) if its files are not
 * what a finished run leaves. */
static int record_run(sweep *s, const slot *sl, metrics_summary *m) {
    const sweep_run *r = &s->g->runs[sl->run];
    char model[4400], csv[4400];
    run_path(s, r, "model.safetensors", model, sizeof model);
    run_path(s, r, "metrics.csv", csv, sizeof csv);
    char partial_path[4400];
    run_path(s, r, "partial-epochs.txt", partial_path, sizeof partial_path);
    char *partial = read_text(partial_path);
    int epochs = read_metrics(csv, m, partial);
    free(partial);
    if (epochs != r->epochs) {
        fprintf(stderr, "dyad sweep: %s has %d epochs, the run %d\n", csv, epochs, r->epochs);
        return 0;
    }
    nn_mlp net;
    nn_train_record rec;
    nn_error err;
    if (nn_checkpoint_load(model, &net, &rec, &err) != NN_OK) {
        fprintf(stderr, "dyad sweep: %s\n", err.msg);
        return 0;
    }
    double nonzero = nonzero_fraction(&net);
    size_t params = nn_mlp_trained_count(&net); /* a sparse mask is not a parameter */
    nn_mlp_free(&net);
    struct stat st;
    long long bytes = stat(model, &st) == 0 ? (long long)st.st_size : -1;

    result_row row = {.epoch_s = m->epoch_s, .test_acc = m->test_acc, .params = (double)params,
                      .wall_s = now_s() - sl->started, .epochs = r->epochs,
                      .train_limit = r->train_limit, .jobs = s->p.jobs};
    snprintf(row.id, sizeof row.id, "%s", r->id);
    const result_row *dense = results_find(&s->done, r->dense_id);
    if (!strcmp(r->id, r->dense_id)) dense = &row;
    char f[NCOLUMNS][1500];
    const char *fields[NCOLUMNS];
    for (int i = 0; i < NCOLUMNS; i++) f[i][0] = 0, fields[i] = f[i];
    char hyper[1500] = "";
    for (int i = 0; i < r->nargs; i++)
        snprintf(hyper + strlen(hyper), sizeof hyper - strlen(hyper), "%s%s", i ? " " : "", r->args[i]);
    snprintf(f[C_ID], sizeof f[0], "%s", r->id);
    snprintf(f[C_GROUP], sizeof f[0], "%s", r->group);
    snprintf(f[C_LABEL], sizeof f[0], "%s", r->label);
    snprintf(f[C_DATASET], sizeof f[0], "%s", r->dataset);
    snprintf(f[C_NET], sizeof f[0], "%s", r->net);
    snprintf(f[C_KIND], sizeof f[0], "%s", r->kind);
    snprintf(f[C_PARAM], sizeof f[0], "%s", r->param);
    snprintf(f[C_SEED], sizeof f[0], "%llu", (unsigned long long)r->seed);
    snprintf(f[C_EPOCHS], sizeof f[0], "%d", r->epochs);
    snprintf(f[C_LIMIT], sizeof f[0], "%d", r->train_limit);
    snprintf(f[C_HYPER], sizeof f[0], "%s", hyper);
    snprintf(f[C_THREADS], sizeof f[0], "%d", s->p.threads);
    snprintf(f[C_JOBS], sizeof f[0], "%d", s->p.jobs);
    snprintf(f[C_PARAMS], sizeof f[0], "%zu", params);
    snprintf(f[C_BYTES], sizeof f[0], "%lld", bytes);
    snprintf(f[C_NONZERO], sizeof f[0], "%.6f", nonzero);
    snprintf(f[C_EPOCH_S], sizeof f[0], "%.3f", m->epoch_s);
    snprintf(f[C_ACC], sizeof f[0], "%.6f", m->test_acc);
    snprintf(f[C_BEST], sizeof f[0], "%.6f", m->best_acc);
    snprintf(f[C_DENSE], sizeof f[0], "%s", r->dense_id);
    if (dense && m->epoch_s > 0 && dense->test_acc > 0) {
        snprintf(f[C_SPEEDUP], sizeof f[0], "%.4f", dense->epoch_s / m->epoch_s);
        snprintf(f[C_ACC_PCT], sizeof f[0], "%.3f", 100.0 * m->test_acc / dense->test_acc);
    }
    snprintf(f[C_WALL], sizeof f[0], "%.1f", row.wall_s);
    utc_now(f[C_FINISHED], sizeof f[0]);
    snprintf(f[C_NOTE], sizeof f[0], "%s%s%s", r->note, r->note[0] && sl->resumed ? "; " : "",
             sl->resumed ? "resumed from its checkpoint (wall_s: the last part only; epoch_s leaves "
                           "out the interrupted epoch)" : "");
    FILE *out = fopen(s->results_path, "a");
    if (!out) {
        fprintf(stderr, "dyad sweep: %s: %s\n", s->results_path, strerror(errno));
        return 0;
    }
    errno = 0;
    csv_write_row(out, fields, NCOLUMNS);
    int bad = fflush(out) != 0 || ferror(out) || fsync(fileno(out)) != 0;
    if (fclose(out) != 0 || bad) {
        fprintf(stderr, "dyad sweep: %s: cannot write: %s\n", s->results_path, strerror(errno));
        return 0;
    }
    return results_add(&s->done, &row);
}

/* Starts run i: from its checkpoint when an earlier sweep left one. */
static int launch(sweep *s, slot *sl, int i, int fresh) {
    const sweep_run *r = &s->g->runs[i];
    char dir[4400], model[4400], csv[4400], log[4400];
    snprintf(dir, sizeof dir, "%s/runs/%s", s->a->dir, r->id);
    run_path(s, r, "model.safetensors", model, sizeof model);
    run_path(s, r, "metrics.csv", csv, sizeof csv);
    run_path(s, r, "log.txt", log, sizeof log);
    if (!mkdir_p(dir)) {
        fprintf(stderr, "dyad sweep: cannot create %s: %s\n", dir, strerror(errno));
        return 0;
    }
    if (fresh) {
        char partial[4400];
        run_path(s, r, "partial-epochs.txt", partial, sizeof partial);
        unlink(model);
        unlink(csv);
        unlink(partial);
    }
    argv_list a = {0};
    arg(&a, "dyad");
    arg(&a, "train");
    sl->resumed = access(model, F_OK) == 0;
    if (sl->resumed) {
        /* the epoch after the last finished one was cut in two: its time is left out */
        metrics_summary done;
        char partial[4400];
        run_path(s, r, "partial-epochs.txt", partial, sizeof partial);
        FILE *pf = fopen(partial, "a");
        if (pf) {
            fprintf(pf, " %d \n", read_metrics(csv, &done, NULL) + 1);
            fclose(pf);
        }
        arg(&a, "--resume");
        arg(&a, "%s", model);
    } else {
        arg(&a, "--layers");
        arg(&a, "%s", r->net);
        arg(&a, "--seed");
        arg(&a, "%llu", (unsigned long long)r->seed);
        arg(&a, "--epochs");
        arg(&a, "%d", r->epochs);
        if (r->train_limit) {
            arg(&a, "--train-limit");
            arg(&a, "%d", r->train_limit);
        }
        for (int k = 0; k < r->nargs; k++) arg(&a, "%s", r->args[k]);
        arg(&a, "--out");
        arg(&a, "%s", model);
    }
    arg(&a, "--data");
    arg(&a, "%s", r->data_dir);
    arg(&a, "--threads");
    arg(&a, "%d", s->p.threads);
    arg(&a, "--metrics");
    arg(&a, "%s", csv);
    FILE *lf = fopen(log, "a");
    if (lf) {
        fputs("$", lf);
        for (int k = 0; k < a.n; k++) fprintf(lf, " '%s'", a.v[k]);
        fputs("\n", lf);
        fclose(lf);
    }
    sl->pid = spawn(&a, log);
    args_free(&a);
    if (sl->pid < 0) {
        fprintf(stderr, "dyad sweep: fork: %s\n", strerror(errno));
        return 0;
    }
    sl->run = i;
    sl->started = now_s();
    s->launched++;
    printf("sweep: [%d/%d] %s %s %s seed %llu, %d epochs%s\n", i + 1, s->g->nruns,
           sl->resumed ? "resume" : "start", r->dataset, r->label, (unsigned long long)r->seed,
           r->epochs, r->note[0] ? " (first layer capped, see note)" : "");
    fflush(stdout);
    return 1;
}

static void print_done(sweep *s, const slot *sl, const metrics_summary *m, double cost_left) {
    const sweep_run *r = &s->g->runs[sl->run];
    const result_row *dense = results_find(&s->done, r->dense_id);
    char el[32], left[32] = "?";
    double elapsed = now_s() - s->started;
    hms(elapsed, el, sizeof el);
    if (s->cost_done > 0)
        hms((now_s() - s->runs_started) * cost_left / s->cost_done, left, sizeof left);
    char speed[48] = "";
    if (dense && m->epoch_s > 0 && strcmp(r->id, r->dense_id))
        snprintf(speed, sizeof speed, ", %.2fx dense", dense->epoch_s / m->epoch_s);
    printf("sweep: [%d/%d] done %s %s seed %llu: test %.2f%%, epoch %.2f s%s | elapsed %s, "
           "left ~%s\n", sl->run + 1, s->g->nruns, r->dataset, r->label,
           (unsigned long long)r->seed, 100 * m->test_acc, m->epoch_s, speed, el, left);
    fflush(stdout);
}

static void machine(char *cpu, size_t cpusize, char *blas, size_t blassize) {
    snprintf(cpu, cpusize, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
            snprintf(cpu, cpusize, "%s", strchr(line, ':') + 2);
            cpu[strcspn(cpu, "\n")] = 0;
            break;
        }
    if (f) fclose(f);
    const char *core = getenv("OPENBLAS_CORETYPE");
    char info[256];
    nn_compute_blas_info(info, sizeof info);
    snprintf(blas, blassize, "%s%s%s", info, core ? ", OPENBLAS_CORETYPE=" : "", core ? core : "");
}

static void git_commit(char *out, size_t size) {
    snprintf(out, size, "unknown");
    FILE *p = popen("git rev-parse HEAD 2>/dev/null", "r");
    if (!p) return;
    if (fgets(out, (int)size, p)) out[strcspn(out, "\n")] = 0;
    else snprintf(out, size, "unknown");
    pclose(p);
    p = popen("git status --porcelain --untracked-files=no 2>/dev/null", "r");
    if (!p) return;
    char line[256];
    if (fgets(line, sizeof line, p) && strlen(out) + 7 < size) strcat(out, "+dirty");
    pclose(p);
}

static void record_session(const sweep *s, int argc, char **argv, const char *status,
                           const char *started_utc) {
    char path[4200], ended[32], cpu[256], blas[512], commit[128], cmd[4096] = "dyad";
    snprintf(path, sizeof path, "%s/sessions.csv", s->a->dir);
    int fresh = access(path, F_OK) != 0;
    FILE *f = fopen(path, "a");
    if (!f) return;
    utc_now(ended, sizeof ended);
    machine(cpu, sizeof cpu, blas, sizeof blas);
    git_commit(commit, sizeof commit);
    for (int i = 0; i < argc; i++)
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), " %s", argv[i]);
    char secs[32], done[16], failed[16], jobs[16], threads[16], cores[16];
    snprintf(secs, sizeof secs, "%.1f", now_s() - s->started);
    snprintf(done, sizeof done, "%d", s->finished);
    snprintf(failed, sizeof failed, "%d", s->failed);
    snprintf(jobs, sizeof jobs, "%d", s->p.jobs);
    snprintf(threads, sizeof threads, "%d", s->p.threads);
    snprintf(cores, sizeof cores, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
    static const char *const head[] = {"started_utc", "finished_utc", "seconds", "runs_finished",
                                       "runs_failed", "jobs", "threads", "status", "cpu", "cores",
                                       "blas", "commit", "command"};
    const char *row[] = {started_utc, ended, secs, done, failed, jobs, threads, status,
                         cpu, cores, blas, commit, cmd};
    if (fresh) csv_write_row(f, head, 13);
    csv_write_row(f, row, 13);
    fclose(f);
}

/* The plan: every run of the grid, for the report (complete or not). */
static int write_plan(const sweep *s) {
    char path[4200];
    snprintf(path, sizeof path, "%s/plan.csv", s->a->dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "dyad sweep: cannot write %s: %s\n", path, strerror(errno));
        return 0;
    }
    static const char *const head[] = {"run_id", "group", "label", "dataset", "net", "kind",
                                       "param", "seed", "epochs", "train_limit", "params", "note"};
    csv_write_row(f, head, 12);
    for (int i = 0; i < s->g->nruns; i++) {
        const sweep_run *r = &s->g->runs[i];
        char seed[24], epochs[16], limit[16], params[24];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
        snprintf(epochs, sizeof epochs, "%d", r->epochs);
        snprintf(limit, sizeof limit, "%d", r->train_limit);
        snprintf(params, sizeof params, "%zu", r->params);
        const char *row[] = {r->id, r->group, r->label, r->dataset, r->net, r->kind,
                             r->param, seed, epochs, limit, params, r->note};
        csv_write_row(f, row, 12);
    }
    for (int i = 0; i < s->g->ndisabled; i++) fprintf(f, "# disabled: %s\n", s->g->disabled[i]);
    return fclose(f) == 0;
}

/* --dry-run: the runs, and an estimate of the pending ones' time. */
static int dry_run(const sweep *s) {
    const sweep_grid *g = s->g;
    printf("%4s  %-16s %-7s %-10s %-14s %-13s %5s %6s %6s %10s  %s\n", "#", "id", "status", "group",
           "dataset", "label", "seed", "epochs", "limit", "params", "net");
    int pending = 0;
    for (int i = 0; i < g->nruns; i++) {
        const sweep_run *r = &g->runs[i];
        int done = results_find(&s->done, r->id) != NULL;
        pending += !done;
        printf("%4d  %-16s %-7s %-10s %-14s %-13s %5llu %6d %6d %10zu  %s%s%s\n", i + 1, r->id,
               done ? "done" : "pending", r->group, r->dataset, r->label,
               (unsigned long long)r->seed, r->epochs, r->train_limit, r->params, r->net,
               r->note[0] ? "  # " : "", r->note);
    }
    printf("%d runs: %d finished, %d pending\n", g->nruns, g->nruns - pending, pending);
    for (int i = 0; i < g->ndisabled; i++) printf("disabled group %s\n", g->disabled[i]);
    if (!s->a->estimate_from) return 0;

    char path[4200];
    snprintf(path, sizeof path, "%s/results.csv", s->a->estimate_from);
    results from;
    if (!results_load(path, &from)) return 1;
    if (from.n < 2) {
        fprintf(stderr, "dyad sweep: --estimate-from: %s needs at least 2 finished runs\n", path);
        free(from.rows);
        return 1;
    }
    /* least squares: seconds per training image = a + b * parameters */
    double sx = 0, sy = 0, sxx = 0, sxy = 0, overhead = 0;
    int jobs = 1;
    for (int i = 0; i < from.n; i++) {
        const result_row *r = &from.rows[i];
        int images = r->train_limit && r->train_limit < 60000 ? r->train_limit : 60000;
        double y = r->epoch_s / images;
        sx += r->params, sy += y, sxx += r->params * r->params, sxy += r->params * y;
        overhead += r->wall_s - r->epochs * (images + 10000.0 / 3.0) * y;
        jobs = r->jobs > jobs ? r->jobs : jobs;
    }
    double n = from.n, det = n * sxx - sx * sx;
    double b = det > 0 ? (n * sxy - sx * sy) / det : 0, a = (sy - b * sx) / n;
    overhead = overhead / n > 0 ? overhead / n : 0;
    double total = 0;
    for (int i = 0; i < g->nruns; i++) {
        const sweep_run *r = &g->runs[i];
        if (results_find(&s->done, r->id)) continue;
        int images = r->train_limit && r->train_limit < 60000 ? r->train_limit : 60000;
        total += r->epochs * (images + 10000.0 / 3.0) * (a + b * (double)r->params) + overhead;
    }
    total /= jobs;
    char t[32];
    hms(total, t, sizeof t);
    printf("estimate for the %d pending runs: %s (%.2f h) at jobs %d, from %d runs in %s: seconds "
           "per training image = %.3g + %.3g * parameters, evaluation a third of that per test "
           "image, %.1f s per run to load data and start; the machine's load then is included\n",
           pending, t, total / 3600, jobs, from.n, path, a, b, overhead);
    free(from.rows);
    return 0;
}

static int run_sweep(sweep *s, int argc, char **argv) {
    const sweep_grid *g = s->g;
    char started_utc[32];
    utc_now(started_utc, sizeof started_utc);
    s->started = now_s();
    int total_pending = 0;
    double cost_left = 0;
    for (int i = 0; i < g->nruns; i++)
        if (!results_find(&s->done, g->runs[i].id)) total_pending++, cost_left += g->runs[i].cost;
    if (!write_plan(s)) return 1;
    if (total_pending == 0) {
        printf("sweep: all %d runs of %s are in %s; nothing to do\n", g->nruns, s->a->grid_path,
               s->results_path);
        return 0;
    }
    if (!strcmp(s->a->jobs, "auto")) {
        if (!choose_jobs(s->a->dir, g, &s->p)) return stop_signal ? 128 + stop_signal : 1;
    }
    printf("sweep: %s: %d runs, %d finished before (skipped), %d to go; jobs %d x threads %d; "
           "rows go to %s\n", s->a->grid_path, g->nruns, g->nruns - total_pending, total_pending,
           s->p.jobs, s->p.threads, s->results_path);
    fflush(stdout);
    s->runs_started = now_s();
    int stop_at = 0;
    const char *hook = getenv("DYAD_SWEEP_STOP_AT"); /* test hook: SIGTERM after launching run N */
    if (hook) stop_at = atoi(hook);

    slot slots[2];
    memset(slots, 0, sizeof slots);
    int next = 0, running = 0, forwarded = 0;
    while (1) {
        while (!stop_signal && running < s->p.jobs && next < g->nruns) {
            int i = next++;
            if (results_find(&s->done, g->runs[i].id)) continue;
            slot *sl = slots[0].pid ? &slots[1] : &slots[0];
            if (!launch(s, sl, i, 0)) return 1;
            running++;
            if (stop_at && s->launched == stop_at) raise(SIGTERM);
        }
        if (running == 0) break;
        if (stop_signal && !forwarded) {
            for (int k = 0; k < 2; k++)
                if (slots[k].pid) kill(slots[k].pid, SIGTERM);
            forwarded = 1;
        }
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == EINTR)) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (pid < 0) break;
        slot *sl = slots[0].pid == pid ? &slots[0] : slots[1].pid == pid ? &slots[1] : NULL;
        if (!sl) continue;
        sl->pid = 0;
        running--;
        const sweep_run *r = &g->runs[sl->run];
        int code = exit_code(status);
        char log[4400];
        run_path(s, r, "log.txt", log, sizeof log);
        if (stop_signal) {
            printf("sweep: [%d/%d] stopped (exit %d); the next sweep continues it\n", sl->run + 1,
                   g->nruns, code);
            continue;
        }
        metrics_summary m;
        if (code == 0 && record_run(s, sl, &m)) {
            s->finished++;
            s->cost_done += r->cost;
            cost_left -= r->cost;
            print_done(s, sl, &m, cost_left);
            continue;
        }
        if (code != 0 && sl->resumed) {
            /* a checkpoint that does not resume (damaged, or from another build): start over */
            printf("sweep: [%d/%d] could not resume (exit %d, see %s); starting it afresh\n",
                   sl->run + 1, g->nruns, code, log);
            if (!launch(s, sl, sl->run, 1)) return 1;
            running++;
            continue;
        }
        s->failed++;
        cost_left -= r->cost;
        fprintf(stderr, "dyad sweep: [%d/%d] %s %s seed %llu failed (exit %d): see %s\n",
                sl->run + 1, g->nruns, r->dataset, r->label, (unsigned long long)r->seed, code, log);
    }
    char el[32];
    hms(now_s() - s->started, el, sizeof el);
    if (stop_signal) {
        record_session(s, argc, argv, "stopped", started_utc);
        fprintf(stderr, "dyad sweep: stopped by %s after %s; %d runs finished this time. Resume "
                        "with the same command: dyad sweep %s --out %s\n",
                stop_signal == SIGTERM ? "SIGTERM" : "SIGINT", el, s->finished, s->a->grid_path,
                s->a->dir);
        return 128 + stop_signal;
    }
    record_session(s, argc, argv, s->failed ? "failed runs" : "complete", started_utc);
    printf("sweep: %d runs finished, %d failed, in %s; results in %s\n", s->finished, s->failed, el,
           s->results_path);
    return s->failed ? 1 : 0;
}

int cmd_sweep(int argc, char **argv) {
    sweep_args a = {.jobs = "auto"};
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
            fputs(usage, stdout);
            return 0;
        }
        if (!strcmp(f, "--dry-run")) {
            a.dry_run = 1;
        } else if (!strcmp(f, "--out") || !strcmp(f, "--jobs") || !strcmp(f, "--estimate-from")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "dyad sweep: %s needs a value\n", f);
                return 2;
            }
            const char *v = argv[++i];
            if (!strcmp(f, "--out")) a.dir = v;
            else if (!strcmp(f, "--jobs")) a.jobs = v;
            else a.estimate_from = v;
        } else if (f[0] == '-' && f[1]) {
            fprintf(stderr, "dyad sweep: unknown option '%s' (see --help)\n", f);
            return 2;
        } else if (a.grid_path) {
            fprintf(stderr, "dyad sweep: one GRID at a time ('%s' and '%s')\n", a.grid_path, f);
            return 2;
        } else {
            a.grid_path = f;
        }
    }
    if (!a.grid_path) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(a.jobs, "auto") && strcmp(a.jobs, "1") && strcmp(a.jobs, "2")) {
        fprintf(stderr, "dyad sweep: --jobs expects auto, 1 or 2, got '%s'\n", a.jobs);
        return 2;
    }
    if (a.estimate_from && !a.dry_run) {
        fprintf(stderr, "dyad sweep: --estimate-from goes with --dry-run\n");
        return 2;
    }
    sweep_grid g;
    char err[1200];
    if (!sweep_grid_load(a.grid_path, &g, err, sizeof err)) {
        fprintf(stderr, "dyad sweep: %s\n", err);
        return 2;
    }
    char dir[4096];
    if (!a.dir) {
        snprintf(dir, sizeof dir, "study-runs/%s", g.name);
        a.dir = dir;
    }
    sweep s;
    memset(&s, 0, sizeof s);
    s.a = &a;
    s.g = &g;
    s.p = !strcmp(a.jobs, "2") ? (plan){2, 1} : (plan){1, 2};
    snprintf(s.results_path, sizeof s.results_path, "%s/results.csv", a.dir);
    int status = 1;
    if (!results_load(s.results_path, &s.done)) goto done;
    if (a.dry_run) {
        status = dry_run(&s);
        goto done;
    }
    char runs[4200];
    snprintf(runs, sizeof runs, "%s/runs", a.dir);
    if (!mkdir_p(runs)) {
        fprintf(stderr, "dyad sweep: cannot create %s: %s\n", runs, strerror(errno));
        goto done;
    }
    if (access(s.results_path, F_OK) != 0) {
        FILE *f = fopen(s.results_path, "w");
        if (!f) {
            fprintf(stderr, "dyad sweep: cannot create %s: %s\n", s.results_path, strerror(errno));
            goto done;
        }
        csv_write_row(f, columns, NCOLUMNS);
        fclose(f);
    }
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* a closed terminal or pipe on stdout must not end a long sweep */
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    status = run_sweep(&s, argc, argv);
    signal(SIGPIPE, old_pipe);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
done:
    free(s.done.rows);
    sweep_grid_free(&g);
    return status;
}
