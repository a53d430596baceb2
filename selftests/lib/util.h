/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - small helpers shared by the cprhold selftests.
 */
#ifndef CPRHOLD_SELFTEST_UTIL_H
#define CPRHOLD_SELFTEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Run a shell command, output to the test log; returns its exit status. */
int run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Run a command, first line of its stdout into buf (no newline). */
int cmd_output(const char *cmd, char *buf, size_t len);
/* Read a small file into buf, trailing newline stripped. */
int read_file_str(const char *path, char *buf, size_t len);
bool module_loaded(const char *name);
/* Lines of file @path that contain @what, or -1 if it cannot be read. */
int count_lines_with(const char *path, const char *what);
bool wait_for_path(const char *path, int timeout_ms);
bool wait_for_path_gone(const char *path, int timeout_ms);
/* 0 if both fds refer to the same open file (kcmp KCMP_FILE). */
int kcmp_same_file(int fd1, int fd2);
/* Open fds of this process (not counting the one used to count), or -1. */
int count_open_fds(void);
/* A field of /proc/meminfo in kB, or -1. */
long meminfo_kb(const char *field);
/* Write all / read exactly len bytes; 0 on success. */
int write_full(int fd, const void *buf, size_t len);
int read_full(int fd, void *buf, size_t len);

#endif
