/* app/'s structure (issue 7, section 7): commands -> window -> render -> nn,
 * never back, and no include cycles among the window's files. Reads the
 * sources (tests run from the repository root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 128

typedef struct {
    char name[64];    /* "draw_app" (a .c and/or .h of that stem) */
    char inc[32][64]; /* stems it includes from the same folder */
    int ninc;
} node;

/* Calls fn for each quoted include of path. */
static void each_include(const char *path, void (*fn)(const char *inc, void *ctx), void *ctx) {
    FILE *fp = fopen(path, "r");
    if (!fp) fail_msg("cannot read %s (run from the repository root)", path);
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        char inc[256];
        if (sscanf(line, " #include \"%255[^\"]\"", inc) == 1) fn(inc, ctx);
    }
    fclose(fp);
}

typedef struct {
    const char *file;
    const char *const *banned; /* path fragments that must not appear */
} ban_ctx;

static void check_ban(const char *inc, void *p) {
    const ban_ctx *b = p;
    for (int i = 0; b->banned[i]; i++)
        if (strstr(inc, b->banned[i]))
            fail_msg("%s includes \"%s\": dependencies point cmd -> window -> render -> nn", b->file,
                     inc);
}

static void check_folder(const char *dir, const char *const *banned) {
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h"))) continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ban_ctx b = {path, banned};
        each_include(path, check_ban, &b);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
}

static void test_layers_point_one_way(void **state) {
    (void)state;
    static const char *const render_bans[] = {"window/", "cmd/", "SDL", NULL};
    static const char *const window_bans[] = {"cmd/", NULL};
    static const char *const nn_bans[] = {"app/", "SDL", NULL};
    check_folder("app/render", render_bans);
    check_folder("app/window", window_bans);
    check_folder("nn", nn_bans);
}

typedef struct {
    node *n;
} add_ctx;

static void add_edge(const char *inc, void *p) {
    node *n = ((add_ctx *)p)->n;
    if (strchr(inc, '/')) return; /* another folder */
    char stem[256];
    snprintf(stem, sizeof stem, "%s", inc);
    char *dot = strrchr(stem, '.');
    if (dot) *dot = 0;
    if (!strcmp(stem, n->name) || n->ninc >= 32 || strlen(stem) >= sizeof n->inc[0]) return;
    for (int i = 0; i < n->ninc; i++)
        if (!strcmp(n->inc[i], stem)) return;
    memcpy(n->inc[n->ninc++], stem, strlen(stem) + 1);
}

static int find(node *nodes, int count, const char *name) {
    for (int i = 0; i < count; i++)
        if (!strcmp(nodes[i].name, name)) return i;
    return -1;
}

/* 0 white, 1 on the current path, 2 done; returns 1 on a cycle. */
static int visit(node *nodes, int count, int *mark, int at, char *path, size_t size) {
    mark[at] = 1;
    for (int k = 0; k < nodes[at].ninc; k++) {
        int to = find(nodes, count, nodes[at].inc[k]);
        if (to < 0) continue;
        if (mark[to] == 1 || (mark[to] == 0 && visit(nodes, count, mark, to, path, size))) {
            size_t used = strlen(path);
            snprintf(path + used, size - used, " <- %s", nodes[at].name);
            if (mark[to] == 1 && used == 0) {
                used = strlen(path);
                snprintf(path + used, size - used, " (-> %s)", nodes[to].name);
            }
            return 1;
        }
    }
    mark[at] = 2;
    return 0;
}

static void test_no_cycles_in_window(void **state) {
    (void)state;
    static node nodes[MAX_FILES];
    int count = 0;
    DIR *d = opendir("app/window");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h"))) continue;
        char stem[64];
        snprintf(stem, sizeof stem, "%.*s", (int)(n - 2), e->d_name);
        int at = find(nodes, count, stem);
        if (at < 0) {
            assert_true(count < MAX_FILES);
            at = count++;
            memset(&nodes[at], 0, sizeof nodes[at]);
            snprintf(nodes[at].name, sizeof nodes[at].name, "%s", stem);
        }
        /* a .c file that includes X.h calls into X.c; headers only share types */
        if (e->d_name[n - 1] != 'c') continue;
        char path[512];
        snprintf(path, sizeof path, "app/window/%s", e->d_name);
        add_ctx c = {&nodes[at]};
        each_include(path, add_edge, &c);
    }
    closedir(d);
    assert_true(count > 10);
    int mark[MAX_FILES] = {0};
    char path[1024] = "";
    for (int i = 0; i < count; i++)
        if (!mark[i] && visit(nodes, count, mark, i, path, sizeof path))
            fail_msg("include cycle in app/window: %s", path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers_point_one_way),
        cmocka_unit_test(test_no_cycles_in_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
