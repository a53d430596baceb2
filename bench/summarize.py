#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Reduce raw benchmark samples to medians, spreads and ratios.

Usage: summarize.py --bench NAME --baseline METHOD --outdir DIR
                    [--plotdata DIR] RAW.csv...

RAW lines are "bench,kernel,method,param,rep,ns" (see bench/bench.h).  For
each (kernel, method, param) it writes one row of DIR/KERNEL/NAME.csv and
DIR/KERNEL/NAME.json: runs, median, min, quartiles and max in
microseconds, the median per unit of the parameter (per fd, per MiB), and
the ratio of the median to the baseline method's median at the same
parameter in the same run (empty where the baseline has no sample).
Method names may carry a variant and a group, "MODE[.VARIANT][@GROUP]"
(e.g. "adopt.guest@256M"): such a method is compared with
"BASELINE[.VARIANT][@GROUP]" when that has samples, else with BASELINE.
With --plotdata, PLOTDIR/KERNEL/METHOD.dat holds "param median min max
q1 q3" (microseconds) for gnuplot.
"""
import argparse
import csv
import json
import os
import statistics
import sys
from collections import defaultdict


def quartiles(v):
    if len(v) < 2:
        return v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


def baseline_of(method, baseline, samples):
    """The method a row is compared with (see the module docstring)."""
    name, _, group = method.partition("@")
    _, _, variant = name.partition(".")
    cand = baseline + ("." + variant if variant else "") + ("@" + group if group else "")
    if any(m == cand for (_, m, _) in samples):
        return cand
    return baseline


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--plotdata")
    ap.add_argument("raw", nargs="+")
    a = ap.parse_args()

    samples = defaultdict(list)
    order = []
    for path in a.raw:
        with open(path) as f:
            for row in csv.reader(f):
                if len(row) != 6 or row[0] != a.bench:
                    continue
                _, kernel, method, param, _, ns = row
                key = (kernel, method, int(param))
                if (kernel, method) not in order:
                    order.append((kernel, method))
                samples[key].append(int(ns) / 1000.0)
    if not samples:
        sys.exit("summarize.py: no samples of bench %s" % a.bench)

    kernels = sorted({k for k, _ in order})
    for kernel in kernels:
        rows = []
        for (k, method) in order:
            if k != kernel:
                continue
            for param in sorted(p for (kk, m, p) in samples if kk == k and m == method):
                v = sorted(samples[(k, method, param)])
                med = statistics.median(v)
                q1, q3 = quartiles(v)
                bm = baseline_of(method, a.baseline, samples)
                base = samples.get((k, bm, param))
                ratio = med / statistics.median(base) if base else None
                rows.append({
                    "bench": a.bench, "kernel": k, "method": method,
                    "param": param, "runs": len(v),
                    "median_us": round(med, 1), "min_us": round(v[0], 1),
                    "q1_us": round(q1, 1), "q3_us": round(q3, 1),
                    "max_us": round(v[-1], 1),
                    "per_unit_us": round(med / param, 3),
                    "ratio_to_" + a.baseline: None if ratio is None else round(ratio, 3),
                })
        d = os.path.join(a.outdir, kernel)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, a.bench + ".csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()), lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({k: ("" if v is None else v) for k, v in r.items()})
        with open(os.path.join(d, a.bench + ".json"), "w") as f:
            json.dump(rows, f, indent=1)
            f.write("\n")
        if a.plotdata:
            pd = os.path.join(a.plotdata, kernel)
            os.makedirs(pd, exist_ok=True)
            for method in {r["method"] for r in rows}:
                with open(os.path.join(pd, method + ".dat"), "w") as f:
                    for r in rows:
                        if r["method"] == method:
                            f.write("%d %s %s %s %s %s\n" % (
                                r["param"], r["median_us"], r["min_us"],
                                r["max_us"], r["q1_us"], r["q3_us"]))


if __name__ == "__main__":
    main()
