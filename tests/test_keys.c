/* The draw window's key table: each key defined once per tab, every key
 * described in the help, auto-repeat read from the same table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../app/window/draw_app.h"
#include "../app/window/draw_keys.h"

static void test_each_key_once_per_tab(void **state) {
    (void)state;
    for (int i = 0; i < key_table_count; i++)
        for (int j = i + 1; j < key_table_count; j++) {
            const key_binding *a = &key_table[i], *b = &key_table[j];
            if (!a->run || !b->run) continue;
            if (a->key == b->key && a->mods == b->mods && a->view == b->view)
                fail_msg("key 0x%x (mods %d) is defined twice for view %d", a->key, a->mods,
                         a->view);
        }
}

static void test_every_key_in_the_help(void **state) {
    (void)state;
    int sections = 0;
    for (int i = 0; i < key_table_count; i++) {
        const key_binding *b = &key_table[i];
        sections += b->section != NULL;
        if (b->keys) assert_non_null(b->what);
        /* an entry without its own help line is described by one before it */
        if (b->run && !b->keys) {
            assert_true(i > 0);
            assert_null(b->section);
        }
        if (!b->run) assert_non_null(b->keys); /* mouse lines exist for the help */
    }
    assert_true(sections >= 5);
    assert_non_null(key_table[0].section); /* the first line starts a section */
}

static void test_repeat_from_the_table(void **state) {
    (void)state;
    assert_true(app_key_repeats(APP_KEY_LEFT));
    assert_true(app_key_repeats(APP_KEY_PAGEDOWN));
    assert_true(app_key_repeats('+'));
    assert_true(app_key_repeats('=')); /* + without shift */
    assert_true(app_key_repeats('n'));
    assert_false(app_key_repeats('c'));
    assert_false(app_key_repeats('s'));
    assert_false(app_key_repeats('p'));
    assert_false(app_key_repeats(APP_KEY_ESCAPE));
    for (int i = 0; i < key_table_count; i++)
        if (key_table[i].run && key_table[i].repeats)
            assert_true(app_key_repeats(key_table[i].key));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_key_once_per_tab),
        cmocka_unit_test(test_every_key_in_the_help),
        cmocka_unit_test(test_repeat_from_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
