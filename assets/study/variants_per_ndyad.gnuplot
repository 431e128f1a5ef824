set terminal pngcairo size 900,560 font 'DejaVu Sans,11'
set output 'variants_per_ndyad.png'
set grid
set key outside right
set logscale x 2
set xlabel 'ndyad'
set ylabel 'test accuracy (%)'
set title 'MNIST: IT, OT, DT accuracy per ndyad'
plot 'plot-data/variants_dyad-it.dat' using 1:2:3 with yerrorlines title 'dyad-it', 'plot-data/variants_dyad-ot.dat' using 1:2:3 with yerrorlines title 'dyad-ot', 'plot-data/variants_dyad-dt.dat' using 1:2:3 with yerrorlines title 'dyad-dt', 98.5800 with lines dashtype 2 title 'dense'
