/* PLACEHOLDER: replaced by the real console. */
#include "tui/tui.h"

#include <stdio.h>

int tui_run(struct app *app)
{
    (void)app;
    fputs("lifeboat: console not built yet\n", stderr);
    return 2;
}
