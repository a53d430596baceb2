// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program below describes a session without changing it: it takes a
 * watcher fd, which any state allows, and prints what cprhold_info()
 * reports.
 */
#include <libcprhold.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char *argv[])
{
    uint8_t secret[CPRHOLD_SECRET_SIZE];
    struct cprhold_session_info info;
    int ctl, wfd, ret;
    time_t created;

    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME SECRET-FILE\n", argv[0]);
        return 2;
    }
    ret = cprhold_secret_read(argv[2], secret);
    if (ret) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(-ret));
        return 1;
    }
    ctl = cprhold_open(0);
    if (ctl < 0)
        return 1;
    wfd = cprhold_watch(ctl, argv[1], secret, 0);
    if (wfd < 0)
        return 1;
    ret = cprhold_info(wfd, &info);
    if (ret) {
        fprintf(stderr, "%s\n", cprhold_strerror(CPRHOLD_OP_INFO, ret));
        return 1;
    }
    created = (time_t)(info.created_ns / 1000000000);
    printf("%s: %s, %u entries, %llu bytes of memory, creator pid %u,"
           " claimed %u times, created %s", info.name,
           cprhold_state_name(info.state), info.nr_entries,
           (unsigned long long)info.mem_bytes, info.creator_pid,
           info.nr_claims, ctime(&created));
    return 0;
}
