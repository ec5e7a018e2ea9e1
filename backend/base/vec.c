#include "backend/base/vec.h"

#include <stdlib.h>
#include <string.h>

#include "backend/base/xalloc.h"

void vec_init(struct vec *v, void (*free_item)(void *))
{
    v->items = NULL;
    v->len = 0;
    v->cap = 0;
    v->free_item = free_item;
}

void vec_push(struct vec *v, void *item)
{
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->items = xrealloc(v->items, v->cap * sizeof(*v->items));
    }
    v->items[v->len++] = item;
}

void *vec_get(const struct vec *v, size_t i)
{
    return i < v->len ? v->items[i] : NULL;
}

void *vec_pop(struct vec *v)
{
    return v->len ? v->items[--v->len] : NULL;
}

void vec_remove(struct vec *v, size_t i)
{
    if (i >= v->len)
        return;
    if (v->free_item)
        v->free_item(v->items[i]);
    memmove(v->items + i, v->items + i + 1, (v->len - i - 1) * sizeof(*v->items));
    v->len--;
}

void vec_clear(struct vec *v)
{
    size_t i;

    if (v->free_item)
        for (i = 0; i < v->len; i++)
            v->free_item(v->items[i]);
    v->len = 0;
}

void vec_release(struct vec *v)
{
    vec_clear(v);
    free(v->items);
    v->items = NULL;
    v->cap = 0;
}

void vec_sort(struct vec *v, int (*cmp)(const void *a, const void *b))
{
    if (v->len > 1)
        qsort(v->items, v->len, sizeof(*v->items), cmp);
}
