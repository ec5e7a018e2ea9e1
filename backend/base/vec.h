#ifndef LIFEBOAT_BACKEND_BASE_VEC_H
#define LIFEBOAT_BACKEND_BASE_VEC_H

#include <stddef.h>

/* A vector of pointers. The vector owns nothing unless free_item is set. */
struct vec {
    void **items;
    size_t len;
    size_t cap;
    void (*free_item)(void *);
};

#define VEC_INIT(free_fn) { NULL, 0, 0, (free_fn) }

void vec_init(struct vec *v, void (*free_item)(void *));
void vec_push(struct vec *v, void *item);
void *vec_get(const struct vec *v, size_t i); /* borrowed */
void *vec_pop(struct vec *v);                 /* ownership passes to the caller */
void vec_remove(struct vec *v, size_t i);     /* frees the item if owned */
void vec_clear(struct vec *v);                /* frees items if owned; keeps storage */
void vec_release(struct vec *v);
void vec_sort(struct vec *v, int (*cmp)(const void *a, const void *b)); /* cmp gets item pointers */

#define vec_foreach(v, i, item)                                                                    \
    for ((i) = 0; (i) < (v)->len && (((item) = (v)->items[(i)]), 1); (i)++)

#endif
