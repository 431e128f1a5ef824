set terminal pngcairo size 900,560 font 'DejaVu Sans,11'
set output 'speedup_vs_width.png'
set grid
set key outside right
set logscale x 2
set xlabel 'hidden width H'
set ylabel 'epoch speed-up over dense'
set title 'MNIST: speed-up of dyad-it/8 vs width'
plot 'plot-data/speedup_width.dat' using 1:2:3 with yerrorlines title 'dyad-it/8'
