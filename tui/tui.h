#ifndef LIFEBOAT_TUI_TUI_H
#define LIFEBOAT_TUI_TUI_H

struct app;

/*
 * Run the console on app until the operator quits. Owns the terminal from
 * start to end and restores it on every exit path (including OOM and fatal
 * signals). Returns the process exit code.
 */
int tui_run(struct app *app);

#endif
