set terminal pngcairo size 900,560 font 'DejaVu Sans,11'
set output 'curves.png'
set grid
set key outside right
set xlabel 'epoch'
set ylabel 'test accuracy (%)'
set title 'MNIST: test accuracy per epoch (mean over seeds)'
plot 'plot-data/curve_dense.dat' using 1:2:3 with yerrorlines title 'dense', 'plot-data/curve_dyad-it.dat' using 1:2:3 with yerrorlines title 'dyad-it/4'
