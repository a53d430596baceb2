# SPDX-License-Identifier: GPL-2.0
# Plot of the fd handover benchmark; scripts/bench runs it with
#   gnuplot -e "datadir='DIR'; out='PNG'; kernels='REL...'" bench/vm/fd.gp
# DIR/REL/METHOD.dat: "nfds median min max q1 q3" in microseconds.
set terminal pngcairo size 1400,560 font ",10"
set output out
n = words(kernels)
set multiplot layout 1, n title "fd handover: time per fd (median of the runs, bars: min..max), TCG guest"
set logscale xy
set xlabel "fds handed over"
set ylabel "microseconds per fd"
set xtics (1, 16, 64, 256, 1024)
set grid
set key top right
methods = "cprhold scm scm1 pidfd dup"
label(m) = m eq "cprhold" ? "cprhold (park+seal+claim+retrieve)" : \
	   m eq "scm" ? "SCM\\_RIGHTS, 253 fds/msg" : \
	   m eq "scm1" ? "SCM\\_RIGHTS, 1 fd/msg (QEMU cpr-transfer)" : \
	   m eq "pidfd" ? "pidfd\\_getfd() per fd" : "dup() in-process (floor)"
do for [i = 1:n] {
	k = word(kernels, i)
	set title k
	plot for [m in methods] sprintf("%s/%s/%s.dat", datadir, k, m) \
		using 1:($2/$1):($3/$1):($4/$1) with yerrorlines title label(m)
}
unset multiplot
