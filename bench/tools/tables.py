#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the ratio tables of Documentation/performance.rst from
bench/results/<release>/{fd,mem,vmm_pause}.csv (as scripts/bench wrote
them).

Usage: bench/tools/tables.py [RESULTS_DIR]
"""
import csv
import glob
import os
import sys


def load(path):
    with open(path) as f:
        return {(r["method"], int(r["param"])): r for r in csv.DictReader(f)}


def table(header, rows):
    w = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = "  ".join("=" * n for n in w)
    out = [line, "  ".join(h.ljust(n) for h, n in zip(header, w)).rstrip(), line]
    out += ["  ".join(str(c).ljust(n) for c, n in zip(r, w)).rstrip() for r in rows]
    out.append(line)
    return "\n".join(out)


def us(r):
    return "%.0f" % float(r["median_us"])


def main():
    res = sys.argv[1] if len(sys.argv) > 1 else "bench/results"
    for d in sorted(glob.glob(os.path.join(res, "*", "fd.csv"))):
        rel = d.split(os.sep)[-2]
        fd = load(d)
        print("fd handover, %s: median us per fd (ratio to SCM_RIGHTS)\n" % rel)
        rows = []
        for n in (1, 16, 64, 256, 1024):
            row = [n]
            for m in ("cprhold", "scm", "scm1", "pidfd", "dup"):
                r = fd.get((m, n))
                if not r:
                    row.append("-")
                    continue
                pf = float(r["per_unit_us"])
                row.append("%.1f (%.2f)" % (pf, float(r["ratio_to_scm"])))
            p, q = fd.get(("cprhold.park", n)), fd.get(("cprhold.retrieve", n))
            row.append("%s / %s" % (us(p), us(q)) if p and q else "-")
            rows.append(row)
        print(table(["fds", "cprhold", "SCM_RIGHTS", "SCM 1/msg", "pidfd_getfd",
                     "dup", "park / claim+retrieve (us)"], rows))
        print()
    for d in sorted(glob.glob(os.path.join(res, "*", "mem.csv"))):
        rel = d.split(os.sep)[-2]
        mem = load(d)
        print("memory handover, %s: median in ms [min-max]\n" % rel)
        rows = []
        for n in (64, 256, 1024, 4096):
            row = ["%d MiB" % n]
            for m in ("cprhold", "cprhold.park", "cprhold.claim_map", "cprhold_touch", "copy"):
                r = mem.get((m, n))
                row.append("%.2f [%.2f-%.2f]" % (float(r["median_us"]) / 1e3,
                                                 float(r["min_us"]) / 1e3,
                                                 float(r["max_us"]) / 1e3) if r else "-")
            c, k = mem.get(("copy", n)), mem.get(("cprhold", n))
            row.append("%.4f" % (float(k["median_us"]) / float(c["median_us"])) if c and k else "-")
            rows.append(row)
        print(table(["RAM", "cprhold", "park+seal", "claim+map", "cprhold+sample",
                     "copy", "cprhold/copy"], rows))
        for m in ("cprhold", "cprhold.park", "cprhold.claim_map", "cprhold_touch"):
            a, b = mem.get((m, 64)), mem.get((m, 4096))
            if a and b:
                print("%s: 4096 MiB / 64 MiB = %.2f" % (
                    m, float(b["median_us"]) / float(a["median_us"])))
        print()
    rows = []
    for d in sorted(glob.glob(os.path.join(res, "*", "vmm_pause.csv"))):
        rel = d.split(os.sep)[-2]
        with open(d) as f:
            vmm = {(r["method"], int(r["param"])): r for r in csv.DictReader(f)}

        def q(m, n):
            r = vmm.get((m, n))
            return "%.2f [%.2f-%.2f]" % tuple(float(r[k]) / 1e3 for k in (
                "median_us", "q1_us", "q3_us")) if r else "-"

        def ratio(a, b, n):
            x, y = vmm.get((a, n)), vmm.get((b, n))
            return "%.2f" % (float(x["median_us"]) / float(y["median_us"])) \
                if x and y else "-"
        for n in (1, 4, 16):
            ph = ["adopt.%s@64M" % p for p in ("checks", "notifier", "commit")]
            rows.append([rel, n, q("adopt@64M", n), q("recreate@64M", n),
                         ratio("adopt@64M", "recreate@64M", n),
                         q("adopt.guest@64M", n), q("recreate.guest@64M", n),
                         ratio("adopt.guest@64M", "recreate.guest@64M", n),
                         q("adopt.ioctl@64M", n),
                         " / ".join("%.2f" % (float(vmm[(m, n)]["median_us"]) / 1e3)
                                    if (m, n) in vmm else "-" for m in ph),
                         " / ".join("%.2f" % (float(vmm[(m, n)]["median_us"]) / 1e3)
                                    if (m, n) in vmm else "-"
                                    for m in ("adopt.detach@64M", "adopt.wait@64M"))])
    if rows:
        print("VMM pause, 64 MiB: median [quartiles] in ms\n")
        print(table(["kernel", "vCPUs", "host: adopt", "recreate", "ratio",
                     "guest: adopt", "recreate", "ratio", "adoption ioctl",
                     "checks / notifier / commit", "detach / wait"], rows))


if __name__ == "__main__":
    main()
