# SPDX-License-Identifier: GPL-2.0
# Plot of the memory handover benchmark; scripts/bench runs it with
#   gnuplot -e "datadir='DIR'; out='PNG'; kernels='REL...'" bench/vm/mem.gp
# DIR/REL/METHOD.dat: "MiB median min max q1 q3" in microseconds.
set terminal pngcairo size 1400,560 font ",10"
set output out
n = words(kernels)
set multiplot layout 1, n title "guest RAM handover: time vs memfd size (median, bars: min..max), TCG guest"
set logscale xy
set xlabel "guest RAM (memfd), MiB"
set ylabel "milliseconds"
set xtics (64, 256, 1024, 4096)
set grid
set key top left
methods = "cprhold cprhold_touch copy"
label(m) = m eq "cprhold" ? "cprhold: park+seal+claim+retrieve+mmap" : \
	   m eq "cprhold_touch" ? "cprhold + read 1024 sample pages" : \
	   "copy into the successor (read() into new memory)"
do for [i = 1:n] {
	k = word(kernels, i)
	set title k
	plot for [m in methods] sprintf("%s/%s/%s.dat", datadir, k, m) \
		using 1:($2/1000):($3/1000):($4/1000) with yerrorlines title label(m)
}
unset multiplot
