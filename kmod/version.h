/* SPDX-License-Identifier: GPL-2.0 */
/*
 * version.h - cprhold's version: the modules' (MODULE_VERSION), the
 * packages' and cprholdctl's (the top-level Makefile, debian/rules,
 * scripts/deb and userspace/cprholdctl/Makefile read it from here).  Not
 * part of the uAPI: userspace learns what the module supports from the
 * uAPI itself (struct sizes, flags, the errors of unknown ones);
 * libcprhold has its own version (LIBCPRHOLD_VERSION_* in its header).
 */
#ifndef _CPRHOLD_VERSION_H
#define _CPRHOLD_VERSION_H

#define CPRHOLD_MODULE_VERSION	"0.1.0"

#endif /* _CPRHOLD_VERSION_H */
