/* dyad sweep: CSV rows survive a round trip, grids expand into the runs they
 * describe (stable ids, dense references, the first layer's ndyad capped
 * where it does not divide 784), bad grids fail at load with one clear line
 * and nothing written, and a sweep stopped mid-way resumes without running
 * or recording a finished run twice (then the report generator and its
 * checker accept the result). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../app/cmd/sweep_csv.h"
#include "../app/cmd/sweep_grid.h"
#include "support.h"

static char out[65536];

static void test_csv_round_trip(void **state) {
    (void)state;
    const char *fields[] = {"plain", "dyad-it/4:1024,dense:10", "say \"hi\", twice", "", "a\nb",
                            "trailing,"};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    csv_write_row(f, fields, 6);
    csv_write_row(f, fields + 1, 2);
    fclose(f);
    char *buf, *got[CSV_MAX_FIELDS];
    size_t used;
    assert_int_equal(csv_parse_record(text, &used, &buf, got, CSV_MAX_FIELDS), 6);
    for (int i = 0; i < 6; i++) assert_string_equal(got[i], fields[i]);
    free(buf);
    /* the second record starts where the first one's line break ended */
    assert_int_equal(csv_parse_record(text + used, &used, &buf, got, CSV_MAX_FIELDS), 2);
    assert_string_equal(got[0], fields[1]);
    assert_string_equal(got[1], fields[2]);
    free(buf);
    free(text);
    assert_int_equal(csv_parse_record("\"open,", &used, &buf, got, CSV_MAX_FIELDS), -1);
    free(buf);
}

static char *write_grid(const char *dir, const char *json) {
    static char path[4200];
    snprintf(path, sizeof path, "%s/grid.json", dir);
    assert_int_equal(test_write_file(path, json, strlen(json)), 0);
    return path;
}

static void test_grid_expands(void **state) {
    (void)state;
    char *dir = test_tmpdir();
    char json[2048];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"datasets\": {\"mnist\": \"%s\"}, \"seeds\": [1, 2], \"epochs\": 3,"
             " \"groups\": ["
             "  {\"name\": \"a\", \"hidden\": [[32, 32]], \"kinds\": [\"dyad-it\", \"dense\"],"
             "   \"ndyad\": [2, 32]},"
             "  {\"name\": \"b\", \"epochs\": 1, \"nets\": [{\"label\": \"mix\", \"layers\":"
             "   \"dyad-it/2:32,dyad-ot/4:32,dense:10\"}, \"dense:32,dense:32,dense:10\"]},"
             "  {\"name\": \"off\", \"disabled\": \"later\", \"nets\": [\"nosuchkind/3:5\"]}]}",
             dir);
    const char *path = write_grid(dir, json);
    sweep_grid g, again;
    char err[1200];
    assert_true(sweep_grid_load(path, &g, err, sizeof err));
    /* a: (2 DYAD + 1 dense) x 2 seeds; b: 2 nets x 2 seeds (its dense net has 1 epoch: a new run) */
    assert_int_equal(g.nruns, 10);
    assert_int_equal(g.ndisabled, 1);
    assert_non_null(strstr(g.disabled[0], "off: later"));
    int dense_seen = 0, capped = 0;
    for (int i = 0; i < g.nruns; i++) {
        const sweep_run *r = &g.runs[i];
        int is_dense = !strcmp(r->id, r->dense_id);
        if (is_dense) assert_int_equal(dense_seen, i); /* dense runs come first */
        dense_seen += is_dense;
        /* every run's dense reference is a run of the grid with the same seed and epochs */
        int found = 0;
        for (int j = 0; j < g.nruns; j++)
            if (!strcmp(g.runs[j].id, r->dense_id)) {
                found = 1;
                assert_int_equal(g.runs[j].seed, r->seed);
                assert_int_equal(g.runs[j].epochs, r->epochs);
                assert_string_equal(g.runs[j].kind, "dense");
            }
        assert_true(found);
        if (!strcmp(r->label, "dyad-it/32")) {
            /* 32 does not divide 784: the first layer runs at 16, the second at 32 */
            assert_string_equal(r->net, "dyad-it/16:32,dyad-it/32:32,dense:10");
            assert_string_equal(r->param, "32");
            assert_non_null(strstr(r->note, "ndyad 16"));
            capped++;
        }
        if (!strcmp(r->label, "mix")) {
            assert_string_equal(r->kind, "mixed");
            assert_int_equal(r->epochs, 1);
        }
    }
    assert_int_equal(dense_seen, 4);
    assert_int_equal(capped, 2);
    /* ids are stable from one load to the next and differ between runs */
    assert_true(sweep_grid_load(path, &again, err, sizeof err));
    for (int i = 0; i < g.nruns; i++) {
        assert_string_equal(g.runs[i].id, again.runs[i].id);
        for (int j = 0; j < i; j++) assert_string_not_equal(g.runs[i].id, g.runs[j].id);
    }
    sweep_grid_free(&g);
    sweep_grid_free(&again);
    test_tmpdir_remove(dir);
}

typedef struct {
    const char *groups; /* JSON after "groups": (or a whole file when it starts with '!') */
    const char *expect;
} bad_grid;

static void test_bad_grids(void **state) {
    (void)state;
    static const bad_grid cases[] = {
        {"![1, 2", "not valid JSON"},
        {"!{\"name\": \"x\"}", "\"groups\" must be a non-empty list"},
        {"!{\"seed\": [1], \"groups\": []}", "unknown key \"seed\""},
        {"[{\"name\": \"b\", \"nets\": [\"nosuchkind/8:1024,dense:10\"]}]",
         "group 'b': net 'nosuchkind/8:1024,dense:10': layer 'nosuchkind/8:1024': unknown kind 'nosuchkind'"},
        {"[{\"name\": \"p\", \"nets\": [\"sparse/1.5:1024,dense:10\"]}]",
         "layer 'sparse/1.5:1024': density must be a number in (0, 1]"},
        {"[{\"name\": \"h\", \"hidden\": [[64]], \"kinds\": [\"monarch\"], \"ndyad\": [5]}]",
         "ndyad 5 must divide both widths"},
        {"[{\"name\": \"n\", \"hidden\": [[30]], \"kinds\": [\"dyad-it\"], \"ndyad\": [7]}]",
         "ndyad 7 must divide both widths"},
        {"[{\"name\": \"o\", \"args\": [\"--out\", \"x\"], \"nets\": [\"dense:10\"]}]",
         "--out is set by the sweep"},
        {"[{\"name\": \"a\", \"args\": [\"--lr\"], \"nets\": [\"dense:10\"]}]", "pairs"},
        {"[{\"name\": \"s\", \"seeds\": [-1], \"nets\": [\"dense:10\"]}]", "integer >= 0"},
        {"[{\"name\": \"e\", \"epochs\": 0, \"nets\": [\"dense:10\"]}]", "\"epochs\" must be"},
        {"[{\"name\": \"d\", \"datasets\": [\"cifar\"], \"nets\": [\"dense:10\"]}]",
         "dataset 'cifar' is not one of"},
        {"[{\"name\": \"l\", \"nets\": [\"dense:64,dense:5\"]}]", "last layer must have 10 units"},
        {"[{\"name\": \"k\", \"hidden\": [[64]], \"kinds\": [\"dyad-it\"]}]", "needs \"ndyad\""},
        {"[{\"name\": \"x\", \"nets\": [\"dense:10\"], \"hidden\": [[3]]}]", "give either"},
        {"[{\"name\": \"x\", \"nets\": [\"dense:10\"]}, {\"name\": \"x\", \"nets\": [\"dense:10\"]}]",
         "two groups are named 'x'"},
        {"[{\"name\": \"x\", \"disabled\": \"later\", \"nets\": [\"dense:10\"]}]", "no runs"},
        {"[{\"name\": \"f\", \"datasets\": [\"fashion\"], \"nets\": [\"dense:10\"]}]",
         "dataset 'fashion': /nonexistent/fashion is not a directory"},
    };
    char *dir = test_tmpdir();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[2048];
        if (cases[i].groups[0] == '!')
            snprintf(json, sizeof json, "%s", cases[i].groups + 1);
        else
            snprintf(json, sizeof json,
                     "{\"datasets\": {\"mnist\": \"%s\", \"fashion\": \"/nonexistent/fashion\"},"
                     " \"groups\": %s}", dir, cases[i].groups);
        const char *path = write_grid(dir, json);
        sweep_grid g;
        char err[1200] = "";
        if (sweep_grid_load(path, &g, err, sizeof err)) fail_msg("case %zu loaded: %s", i, json);
        if (!strstr(err, cases[i].expect) || strncmp(err, path, strlen(path)) != 0)
            fail_msg("case %zu: error '%s' does not name the file and '%s'", i, err, cases[i].expect);
        assert_null(strchr(err, '\n'));
    }
    /* through the program: exit 2, one line, nothing created (the failure comes before any run) */
    char cmd[8192];
    const char *path = write_grid(dir, "{\"groups\": [{\"name\": \"b\", \"nets\": "
                                       "[\"lowrank/1000:1024,dense:10\"]}]}");
    snprintf(cmd, sizeof cmd, "%s sweep %s --out %s/runs", test_dyad_bin(), path, dir);
    assert_int_equal(test_run(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "rank 1000 must be in 1..784"));
    char runs[4200];
    snprintf(runs, sizeof runs, "%s/runs", dir);
    assert_int_not_equal(access(runs, F_OK), 0);
    snprintf(cmd, sizeof cmd, "%s sweep %s/missing.json", test_dyad_bin(), dir);
    assert_int_equal(test_run(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "missing.json: cannot open the grid file"));
    test_tmpdir_remove(dir);
}

/* Data rows of results.csv (the header excluded); ids must be distinct. */
static int result_rows(const char *dir, int *jobs_column) {
    char path[4200];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[8192], ids[16][17];
    int n = -1;
    while (fgets(line, sizeof line, f)) {
        if (n >= 0) {
            assert_true(n < 16);
            snprintf(ids[n], sizeof ids[n], "%.16s", line);
            for (int j = 0; j < n; j++) assert_string_not_equal(ids[j], ids[n]);
            char *buf, *fields[CSV_MAX_FIELDS];
            size_t used;
            assert_int_equal(csv_parse_record(line, &used, &buf, fields, CSV_MAX_FIELDS), 25);
            if (jobs_column) *jobs_column = atoi(fields[12]);
            free(buf);
        }
        n++;
    }
    fclose(f);
    return n;
}

static void test_sweep_stop_and_resume(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    char json[2048], cmd[16384];
    snprintf(json, sizeof json,
             "{\"name\": \"tiny\", \"datasets\": {\"mnist\": \"%s\"}, \"seeds\": [1], \"epochs\": 1,"
             " \"train_limit\": 300, \"calibration_images\": 256,"
             " \"groups\": [{\"name\": \"g\", \"hidden\": [[16]], \"kinds\": [\"dense\", \"dyad-it\"],"
             " \"ndyad\": [2, 4]}]}", mnist);
    const char *grid = write_grid(dir, json);
    /* stopped by SIGTERM right after the second run starts: the first is recorded */
    snprintf(cmd, sizeof cmd, "DYAD_SWEEP_STOP_AT=2 %s sweep %s --out %s/s --jobs 1",
             test_dyad_bin(), grid, dir);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 143) fail_msg("stopped sweep exited %d:\n%s", rc, out);
    assert_non_null(strstr(out, "Resume with the same command"));
    char sdir[1024];
    snprintf(sdir, sizeof sdir, "%s/s", dir);
    assert_int_equal(result_rows(sdir, NULL), 1);

    /* rerun: the finished run is skipped, the other two run, no row twice */
    snprintf(cmd, sizeof cmd, "%s sweep %s --out %s/s --jobs auto", test_dyad_bin(), grid, dir);
    rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("resumed sweep exited %d:\n%s", rc, out);
    assert_non_null(strstr(out, "3 runs, 1 finished before (skipped), 2 to go"));
    int jobs = 0;
    assert_int_equal(result_rows(sdir, &jobs), 3);
    /* --jobs auto measured once and recorded what the rows say */
    char path[4400];
    snprintf(path, sizeof path, "%s/jobs.txt", sdir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int recorded = 0, threads = 0;
    assert_int_equal(fscanf(f, "jobs %d threads %d", &recorded, &threads), 2);
    fclose(f);
    assert_int_equal(jobs, recorded);
    assert_int_equal(recorded * threads, 2);

    /* a third time: nothing to do, nothing added */
    rc = test_run(cmd, out, sizeof out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "nothing to do"));
    assert_int_equal(result_rows(sdir, NULL), 3);

    /* the report generator reads the rows back and its checker agrees */
    snprintf(cmd, sizeof cmd,
             "python3 assets/study/report.py %s --out %s/report && "
             "python3 tests/study/check_report.py %s %s/report", sdir, sdir, sdir, sdir);
    rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("report/check exited %d:\n%s", rc, out);
    assert_non_null(strstr(out, "3 runs, 3 configurations"));
    test_tmpdir_remove(dir);
}

/* A run interrupted inside training (here: each child stops itself after
 * batch 2 of epoch 1 through train's test hook) leaves a resumable
 * checkpoint; the next sweep continues it instead of starting over. */
static void test_sweep_resumes_interrupted_runs(void **state) {
    (void)state;
    const char *mnist = test_mnist_dir();
    if (!mnist) skip();
    char *dir = test_tmpdir();
    char json[2048], cmd[8192];
    snprintf(json, sizeof json,
             "{\"datasets\": {\"mnist\": \"%s\"}, \"seeds\": [4], \"epochs\": 2,"
             " \"train_limit\": 320, \"groups\": [{\"name\": \"g\", \"nets\":"
             " [\"dense:16,dense:10\", \"dyad-dt/2:16,dense:10\"]}]}", mnist);
    const char *grid = write_grid(dir, json);
    snprintf(cmd, sizeof cmd, "DYAD_TRAIN_RAISE_AT=1:2:TERM %s sweep %s --out %s/s --jobs 2",
             test_dyad_bin(), grid, dir);
    int rc = test_run(cmd, out, sizeof out);
    if (rc != 1) fail_msg("sweep with stopping runs exited %d:\n%s", rc, out);
    assert_non_null(strstr(out, "failed (exit 143)"));
    char sdir[1024];
    snprintf(sdir, sizeof sdir, "%s/s", dir);
    assert_int_equal(result_rows(sdir, NULL), 0);

    snprintf(cmd, sizeof cmd, "%s sweep %s --out %s/s --jobs 1", test_dyad_bin(), grid, dir);
    rc = test_run(cmd, out, sizeof out);
    if (rc != 0) fail_msg("resumed sweep exited %d:\n%s", rc, out);
    assert_non_null(strstr(out, "] resume mnist"));
    assert_null(strstr(out, "] start mnist"));
    assert_int_equal(result_rows(sdir, NULL), 2);
    char path[4200], line[8192];
    snprintf(path, sizeof path, "%s/results.csv", sdir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int resumed = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strstr(line, "resumed from its checkpoint")) continue;
        resumed++;
        /* epoch 1 was cut in two: the run's epoch time is epoch 2's alone */
        char *buf, *fields[CSV_MAX_FIELDS];
        size_t used;
        assert_int_equal(csv_parse_record(line, &used, &buf, fields, CSV_MAX_FIELDS), 25);
        char mpath[4400], mline[512];
        snprintf(mpath, sizeof mpath, "%s/runs/%s/metrics.csv", sdir, fields[0]);
        FILE *m = fopen(mpath, "r");
        assert_non_null(m);
        double epoch2 = -1;
        while (fgets(mline, sizeof mline, m))
            if (!strncmp(mline, "2,", 2)) sscanf(mline, "%*d,%*f,%*f,%*f,%lf", &epoch2);
        fclose(m);
        assert_true(epoch2 >= 0);
        assert_float_equal(atof(fields[16]), epoch2, 1e-3);
        free(buf);
    }
    fclose(f);
    assert_int_equal(resumed, 2);
    test_tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_grid_expands),
        cmocka_unit_test(test_bad_grids),
        cmocka_unit_test(test_sweep_stop_and_resume),
        cmocka_unit_test(test_sweep_resumes_interrupted_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
