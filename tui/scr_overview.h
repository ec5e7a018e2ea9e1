#ifndef LIFEBOAT_TUI_SCR_OVERVIEW_H
#define LIFEBOAT_TUI_SCR_OVERVIEW_H

/* Screen 1, Overview (its ops are scr_overview_ops in screen.h). */

/*
 * The repo table's column widths for an inner width (the layout the screen
 * uses; pure, for tests): w[i] == 0 means column i is hidden; titles[i] is
 * its header. Fills at most max entries; returns how many columns are shown.
 */
int overview_repo_columns(int width, int *w, const char **titles, int max);

#endif
