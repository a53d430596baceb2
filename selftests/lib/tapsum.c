// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tapsum - sum the results of TAP files: prints "PASS FAIL SKIP" and, with
 * -v, one line per file.  Exits 0 when nothing failed and something ran.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

int main(int argc, char **argv)
{
	unsigned int pass = 0, fail = 0, skip = 0;
	bool verbose = false;
	char line[4096];
	int opt, i;

	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v') {
			fprintf(stderr, "usage: tapsum [-v] FILE...\n");
			return 2;
		}
		verbose = true;
	}
	for (i = optind; i < argc; i++) {
		struct tap_counts c;
		FILE *f = fopen(argv[i], "r");

		tap_init(&c);
		if (f) {
			while (fgets(line, sizeof(line), f))
				tap_line(&c, line);
			fclose(f);
		} else {
			fprintf(stderr, "tapsum: %s: %s\n", argv[i], strerror(errno));
		}
		tap_finish(&c);
		if (verbose)
			fprintf(stderr, "  %-40s %u passed, %u failed, %u skipped%s\n",
				argv[i], c.pass, c.fail, c.skip,
				c.missing ? " (results missing)" : "");
		pass += c.pass;
		fail += c.fail;
		skip += c.skip;
	}
	printf("%u %u %u\n", pass, fail, skip);
	return (fail || pass + skip == 0) ? 1 : 0;
}
