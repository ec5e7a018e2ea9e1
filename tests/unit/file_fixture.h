/*
 * What the unit tests on real files share: write a small file with a mode,
 * and ask whether a path is gone (lstat says ENOENT). Include after
 * <cmocka.h>.
 */
#ifndef LIFEBOAT_TESTS_FILE_FIXTURE_H
#define LIFEBOAT_TESTS_FILE_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void put_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static inline bool gone(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) < 0 && errno == ENOENT;
}

#endif
