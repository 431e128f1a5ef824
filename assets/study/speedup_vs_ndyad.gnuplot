set terminal pngcairo size 900,560 font 'DejaVu Sans,11'
set output 'speedup_vs_ndyad.png'
set grid
set key outside right
set logscale x 2
set xlabel 'ndyad'
set ylabel 'epoch speed-up over dense'
set title 'MNIST, hidden 1024-1024: training speed-up vs ndyad'
plot 'plot-data/speedup_ndyad_dyad-it.dat' using 1:2:3 with yerrorlines title 'dyad-it', 'plot-data/speedup_ndyad_dyad-ot.dat' using 1:2:3 with yerrorlines title 'dyad-ot', 'plot-data/speedup_ndyad_dyad-dt.dat' using 1:2:3 with yerrorlines title 'dyad-dt', x/2 with lines dashtype 2 title 'ideal ndyad/2'
