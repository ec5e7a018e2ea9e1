/* Column fitting and panel stacking. */
#include "tui/layout.h"

int layout_columns(const struct col_spec *cols, int n, int width, int gap, int *out_w)
{
    int order[64];
    int used = 0, shown = 0;

    if (n > 64)
        n = 64;
    for (int i = 0; i < n; i++) {
        out_w[i] = 0;
        order[i] = i;
    }
    /* stable insertion sort by priority */
    for (int i = 1; i < n; i++) {
        int v = order[i], j = i - 1;

        while (j >= 0 && cols[order[j]].prio > cols[v].prio) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = v;
    }
    for (int k = 0; k < n; k++) {
        const struct col_spec *c = &cols[order[k]];
        int need = c->min + (shown ? gap : 0);

        if (c->min <= 0 || used + need > width)
            continue; /* a smaller, less important column may still fit */
        out_w[order[k]] = c->min;
        used += need;
        shown++;
    }
    for (int k = 0; k < n && used < width; k++) {
        const struct col_spec *c = &cols[order[k]];
        int i = order[k], grow;

        if (!out_w[i])
            continue;
        grow = width - used;
        if (c->max > 0 && out_w[i] + grow > c->max)
            grow = c->max - out_w[i];
        if (grow > 0) {
            out_w[i] += grow;
            used += grow;
        }
    }
    return shown;
}

void layout_stack(int height, int n, const int *min, const int *want, int *out)
{
    int left = height;

    for (int i = 0; i < n; i++) {
        out[i] = (min[i] <= left) ? min[i] : 0;
        left -= out[i];
    }
    for (int i = 0; i < n && left > 0; i++) {
        int grow;

        if (!out[i] || want[i] < 0)
            continue;
        grow = want[i] - out[i];
        if (grow > left)
            grow = left;
        if (grow > 0) {
            out[i] += grow;
            left -= grow;
        }
    }
    for (int i = 0; i < n && left > 0; i++) {
        if (out[i] && want[i] < 0) {
            out[i] += left;
            left = 0;
        }
    }
}
