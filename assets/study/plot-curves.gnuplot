# Test accuracy per epoch of the MNIST 784-1024-1024-10 runs (assets/study/README.md).
# usage: gnuplot -e "dir='RUNS'" assets/study/plot-curves.gnuplot   (RUNS holds NAME.csv from dyad train --metrics)
if (!exists("dir")) dir = "."
if (!exists("out")) out = "mnist-1024-curves.png"
set terminal pngcairo size 900,520 font "DejaVu Sans,11"
set output out
set datafile separator ","
set key bottom right
set grid
set xlabel "epoch"
set ylabel "test accuracy (%)"
set yrange [95.5:99]
set xtics 1
set title "MNIST 784-1024-1024-10, dyad train defaults (SGD 0.9, lr 0.05 cosine, batch 64), seed 1"
plot dir."/dense-1.csv"   using 1:($4*100) with linespoints lw 2 title "dense", \
     dir."/dyad-it-4.csv" using 1:($4*100) with linespoints lw 2 title "DYAD-IT n=4", \
     dir."/dyad-ot-4.csv" using 1:($4*100) with linespoints lw 2 title "DYAD-OT n=4", \
     dir."/dyad-dt-4.csv" using 1:($4*100) with linespoints lw 2 title "DYAD-DT n=4", \
     dir."/dyad-it-8.csv" using 1:($4*100) with linespoints lw 2 title "DYAD-IT n=8"
