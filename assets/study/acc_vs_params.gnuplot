set terminal pngcairo size 900,560 font 'DejaVu Sans,11'
set output 'acc_vs_params.png'
set grid
set key outside right
set logscale x
set xlabel 'parameters'
set ylabel 'test accuracy (%)'
set title 'MNIST, 10 epochs: accuracy vs parameters (error bars: sd over seeds)'
plot 'plot-data/acc_params_blockdiag.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'blockdiag', 'plot-data/acc_params_dense.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'dense', 'plot-data/acc_params_dyad-dt.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'dyad-dt', 'plot-data/acc_params_dyad-it.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'dyad-it', 'plot-data/acc_params_dyad-ot.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'dyad-ot', 'plot-data/acc_params_lowrank.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'lowrank', 'plot-data/acc_params_mixed.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'mixed', 'plot-data/acc_params_monarch.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'monarch', 'plot-data/acc_params_sparse.dat' using 1:2:3 with yerrorbars pointsize 1.3 title 'sparse'
