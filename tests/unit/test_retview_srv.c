/*
 * The PBS server's prune dry-run beside lifeboat's plan (retview_srv):
 * agreement, a flipped decision, a snapshot only one side lists, and
 * protected or unfinished backups the plan leaves out (no disagreement).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"
#include "backend/proxmox_model.h"
#include "backend/retview_srv.h"

static struct retview_point pts[3] = {
    { .time = 1000, .keep = false }, { .time = 2000, .keep = true }, { .time = 3000, .keep = true }
};

static void plan(struct retview *v)
{
    memset(v, 0, sizeof(*v));
    v->pts = pts;
    v->n = 3;
}

static void item(struct vec *out, time_t t, bool keep, bool prot)
{
    struct pbs_prune_item *it = xcalloc(1, sizeof(*it));

    memcpy(it->type, "vm", 3);
    it->id = xstrdup("100");
    it->time = t;
    it->keep = keep;
    it->is_protected = prot;
    vec_push(out, it);
}

static void test_agrees(void **state)
{
    struct retview v;
    struct vec items;
    struct retview_srv s;

    (void)state;
    plan(&v);
    vec_init(&items, pbs_prune_item_free);
    item(&items, 500, true, true);   /* protected: never planned, no difference */
    item(&items, 1000, false, false);
    item(&items, 2000, true, false);
    item(&items, 3000, true, false);
    item(&items, 3500, true, false); /* unfinished, kept: no difference */
    retview_srv_init(&s);
    retview_srv_compare(&s, &v, &items);
    assert_true(s.done);
    assert_int_equal(s.n_compared, 3);
    assert_int_equal(s.diffs.len, 0);
    retview_srv_release(&s);
    vec_release(&items);
}

static void test_disagrees(void **state)
{
    struct retview v;
    struct vec items;
    struct retview_srv s;
    const struct retview_srv_diff *d;

    (void)state;
    plan(&v);
    vec_init(&items, pbs_prune_item_free);
    item(&items, 1000, false, false);
    item(&items, 2000, true, false);
    item(&items, 2500, false, false); /* only the server lists it, and removes it */
    item(&items, 3000, false, false); /* flipped: lifeboat keeps the newest */
    retview_srv_init(&s);
    retview_srv_compare(&s, &v, &items);
    assert_int_equal(s.n_compared, 3);
    assert_int_equal(s.diffs.len, 2);
    d = s.diffs.items[0];
    assert_int_equal(d->time, 2500);
    assert_int_equal(d->engine, SRV_SAY_ABSENT);
    assert_int_equal(d->server, SRV_SAY_REMOVE);
    assert_string_equal(retview_srv_say_word(d->engine, true), "not planned");
    d = s.diffs.items[1];
    assert_int_equal(d->time, 3000);
    assert_int_equal(d->engine, SRV_SAY_KEEP);
    assert_int_equal(d->server, SRV_SAY_REMOVE);
    /* the server forgets a snapshot lifeboat plans: a difference too */
    vec_clear(&items);
    item(&items, 1000, false, false);
    item(&items, 3000, true, false);
    retview_srv_compare(&s, &v, &items);
    assert_int_equal(s.diffs.len, 1);
    d = s.diffs.items[0];
    assert_int_equal(d->time, 2000);
    assert_int_equal(d->server, SRV_SAY_ABSENT);
    assert_string_equal(retview_srv_say_word(d->server, false), "not listed");
    retview_srv_release(&s);
    vec_release(&items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees),
        cmocka_unit_test(test_disagrees),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
