/* Small command-line helpers shared by the subcommands: validated numbers,
 * the dataset directory, BLAS threads and net specifications. Each prints its
 * own one-line error (prefixed "dyad CMD:") and returns 0 on failure. */
#ifndef APP_CLI_H
#define APP_CLI_H

#include <stdint.h>

#include "../../nn/mlp.h"

int cli_int(const char *cmd, const char *flag, const char *text, long min, long max, int *out);
int cli_u64(const char *cmd, const char *flag, const char *text, uint64_t *out);
int cli_float(const char *cmd, const char *flag, const char *text, double min, double max,
              float *out);

/* --data value, else $MNIST_DIR, else "data" (where `make data` puts it). */
const char *cli_data_dir(const char *given);

/* Returns a compute context of `threads` threads (0: every core) that runs
 * all layer GEMMs (nn/kernels.h; it alone sets OpenBLAS's threads). NULL,
 * with a message, on failure. */
nn_compute *cli_set_threads(const char *cmd, int threads);

/* Net from --layers, or from --hidden/--kind/--ndyad (output layer dense with
 * classes units). Returns the layer count, 0 on error (message printed). */
int cli_net_spec(const char *cmd, const char *layers, const char *hidden, const char *kind,
                 int ndyad, int classes, nn_layer_spec *specs, int max);

/* Takes the value following argv[*i] for flag; prints an error if missing. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i);

#endif
