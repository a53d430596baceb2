#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The targets of cprhold's benchmarks, measured, met or missed.

Usage: targets.py [--results DIR] [--out FILE] [--previous FILE] KERNEL...

Reads what "make bench" left in bench/results (NAME.csv per kernel from
summarize.py, qemu_pause.json) for each KERNEL and prints one table: every
target, the ratio measured in the same run as its baseline (medians), the
runs behind it, "met", "MISSED" or "not measured" (no result for that
kernel), and the two medians with their quartiles ("1.20 [1.10-1.30] /
2.40 [2.30-2.50] ms": measured / baseline).  With --previous (the table of
an earlier run, e.g. the one committed), each row also gives that run's
ratio and how far this one moved from it, and the table ends with how many
ratios agree within 10 %.
"""

import argparse
import csv
import json
import os
import statistics
import sys


def load_csv(path):
    """{(method, param): row} of a summarize.py CSV, or None."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return {(r["method"], r["param"]): r for r in csv.DictReader(f)}


def median(rows, method, param):
    r = rows.get((method, str(param))) if rows else None
    return (float(r["median_us"]), int(r["runs"])) if r else (None, 0)


def spread(rows, method, param, unit=1000.0):
    """'median [q1-q3]' of one method at one parameter, in ms, or '-'."""
    r = rows.get((method, str(param))) if rows else None
    if not r:
        return "-"
    return "%.3g [%.3g-%.3g]" % tuple(float(r[k]) / unit for k in
                                      ("median_us", "q1_us", "q3_us"))


def ratio_row(rows, num, den, param):
    """(ratio of the medians, runs, medians) of two methods at a parameter."""
    a, na = median(rows, num, param)
    b, nb = median(rows, den, param)
    if a is None or b is None or b == 0:
        return None, 0, ""
    return a / b, min(na, nb), "%s / %s ms" % (spread(rows, num, param),
                                                spread(rows, den, param))


def verdict(ratio, limit, at_least=False):
    if ratio is None:
        return "not measured"
    return "met" if (ratio >= limit if at_least else ratio <= limit) else \
        "MISSED"


def targets(results, kernel):
    vmm = load_csv(os.path.join(results, kernel, "vmm_pause.csv"))
    fd = load_csv(os.path.join(results, kernel, "fd.csv"))
    mem = load_csv(os.path.join(results, kernel, "mem.csv"))
    out = []
    for vcpus in (1, 4, 16):
        for what, m in (("host pause", ""), ("guest pause (TSC)", ".guest")):
            r, n, md = ratio_row(vmm, "adopt%s@64M" % m,
                                 "recreate%s@64M" % m, vcpus)
            out.append(("vmm: adopt / recreate, %s, %d vCPUs, 64 MiB"
                        % (what, vcpus), "<= 0.50x", r, n, verdict(r, 0.5),
                        md))
    r, n, md = ratio_row(fd, "cprhold", "scm", 256)
    out.append(("fd: cprhold / batched SCM_RIGHTS, 256 fds", "<= 1.00x",
                r, n, verdict(r, 1.0), md))
    r, n, md = ratio_row(fd, "scm1", "cprhold", 256)
    out.append(("fd: one fd per message / cprhold, 256 fds", ">= 3.00x",
                r, n, verdict(r, 3.0, at_least=True), md))
    phases = sorted({m for (m, _) in (mem or {}) if m.startswith("cprhold.")})
    for ph in phases or ["cprhold.*"]:
        a, na = median(mem, ph, 4096)
        b, nb = median(mem, ph, 64)
        r, n = (a / b, min(na, nb)) if a is not None and b else (None, 0)
        md = "%s / %s ms" % (spread(mem, ph, 4096), spread(mem, ph, 64)) \
            if r is not None else ""
        out.append(("mem: %s, 4 GiB / 64 MiB" % ph, "<= 1.10x", r, n,
                    verdict(r, 1.1), md))
    return out


def qemu_targets(results, kernel):
    path = os.path.join(results, "qemu_pause.json")
    runs = {}
    if os.path.exists(path):
        with open(path) as f:
            runs = json.load(f).get(kernel, {}).get("pause", {})

    def med(mode, key):
        v = [r[key] for r in runs.get(mode, []) if key in r]
        return (statistics.median(v), len(v)) if v else (None, 0)

    def quart(mode, key):
        v = sorted(r[key] for r in runs.get(mode, []) if key in r)
        if not v:
            return "-"
        q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
        return "%.3g [%.3g-%.3g]" % (statistics.median(v), q[0], q[2])

    out = []
    for mode, label, limit in (("cprhold-prestarted", "cprhold beside", 1.0),
                               ("cprhold-adopt", "cprhold adopt=on", 0.5)):
        for key, what in (("qmp_ms", "QMP STOP->RESUME"),
                          ("tsc_gap_ms", "guest TSC gap")):
            a, na = med(mode, key)
            b, nb = med("cpr-transfer-unix", key)
            r = a / b if a is not None and b else None
            v = verdict(r, limit)
            if r is None and any(x.get("tsc_set_back") for x in
                                 runs.get("cpr-transfer-unix", [])):
                v = "no ratio: stock sets the guest TSC back"
            out.append(("qemu: %s / stock cpr-transfer, %s" % (label, what),
                        "<= %.2fx" % limit, r, min(na, nb), v,
                        "%s / %s ms" % (quart(mode, key),
                                        quart("cpr-transfer-unix", key))
                        if r is not None else ""))
    # A VFIO device's share: the same guest and mode with edu passed through
    for mode, label in (("cprhold-prestarted", "beside"),
                        ("cprhold-adopt", "adopt=on")):
        a, na = med(mode + "-vfio", "qmp_ms")
        b, nb = med(mode, "qmp_ms")
        r = a / b if a is not None and b else None
        out.append(("qemu: %s with VFIO edu / without, QMP STOP->RESUME"
                    % label, "<= 1.20x", r, min(na, nb), verdict(r, 1.2),
                    "%s / %s ms" % (quart(mode + "-vfio", "qmp_ms"),
                                    quart(mode, "qmp_ms"))
                    if r is not None else ""))
    return out


NAME_W = 62


def previous_ratios(path):
    """{(target, kernel): ratio} of an earlier table (this script's)."""
    prev = {}
    try:
        with open(path) as f:
            for line in f:
                # "<= 0.50x  KERNEL  1.23x ..."
                cols = line[NAME_W:].split()
                if len(cols) >= 4 and cols[3].endswith("x"):
                    try:
                        prev[(line[:NAME_W].strip(), cols[2])] = \
                            float(cols[3][:-1])
                    except ValueError:
                        pass
    except OSError:
        pass
    return prev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--out")
    ap.add_argument("--previous", help="an earlier run's table to compare")
    ap.add_argument("kernels", nargs="+")
    a = ap.parse_args()
    prev = previous_ratios(a.previous) if a.previous else None
    fmt = "%-*s %-9s %-20s %-8s %-18s %s"
    head = fmt % (NAME_W, "target", "limit", "kernel", "ratio",
                  "verdict (runs)", "medians [quartiles], measured / baseline")
    if prev is not None:
        head = "%s | %s" % (head, "previous run, change")
    lines = [head]
    agree = compared = 0
    for k in a.kernels:
        for name, limit, r, n, v, md in targets(a.results, k) + \
                qemu_targets(a.results, k):
            line = fmt % (NAME_W, name, limit, k,
                          "-" if r is None else "%.2fx" % r,
                          v + (" (%d)" % n if n else ""), md)
            if prev is not None:
                p = prev.get((name, k))
                if p is None or r is None:
                    line += " | -"
                else:
                    # both as printed: the table is what a reader compares
                    change = round(r, 2) / p - 1 if p else float("inf")
                    compared += 1
                    agree += abs(change) <= 0.10
                    line += " | %.2fx %+.0f%%" % (p, 100 * change)
            lines.append(line)
    if prev is not None:
        lines.append("%d of %d ratios within 10%% of the previous run's (%s)"
                     % (agree, compared, a.previous))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
