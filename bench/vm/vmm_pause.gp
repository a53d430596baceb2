# SPDX-License-Identifier: GPL-2.0
# Plot of the VMM pause benchmark; scripts/bench runs it with
#   gnuplot -e "datadir='DIR'; out='PNG'; kernels='REL...'" bench/vm/vmm_pause.gp
# DIR/REL/METHOD.dat: "vcpus median min max q1 q3" in microseconds, METHOD
# as "adopt@64M", "recreate.guest@256M", ... (see vmm_pause.sh).
# Top row: the pause the VMMs measure; bottom row: the guest's pause (no
# vCPU ran, from the guest's TSC gaps).  One panel per kernel.
set terminal pngcairo size 1400,900 font ",10"
set output out
n = words(kernels)
set multiplot layout 2, n title "VMM handover pause vs vCPUs, adopt vs recreate (median, bars: min..max), nested KVM in a TCG guest"
set logscale x 2
set xlabel "vCPUs"
set ylabel "milliseconds"
set xtics (1, 4, 16)
set xrange [0.8:20]
set yrange [0:*]
set grid
set key top left
mems = "64M 256M"
do for [v = 1:2] {
	variant = v == 1 ? "" : ".guest"
	what = v == 1 ? "host pause (stop -> vCPU runs)" : "guest-observed pause (no vCPU ran, TSC)"
	do for [i = 1:n] {
		k = word(kernels, i)
		set title sprintf("%s: %s", k, what)
		plot for [mode in "adopt recreate"] for [m in mems] \
			sprintf("%s/%s/%s%s@%s.dat", datadir, k, mode, variant, m) \
			using 1:($2/1000):($3/1000):($4/1000) with yerrorlines \
			title sprintf("%s, %s RAM", mode, m)
	}
}
unset multiplot
