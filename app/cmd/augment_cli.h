/* The --augment* flags shared by `dyad train` and `dyad augment-preview`. */
#ifndef APP_AUGMENT_CLI_H
#define APP_AUGMENT_CLI_H

#include "../../nn/augment.h"

typedef struct {
    nn_augment_config cfg;
    unsigned strengths; /* AUGMENT_* parts whose strength flags were given */
} augment_cli;

/* Defaults: augmentation off, documented default strengths. */
void augment_cli_init(augment_cli *a);

/* 1 when flag is one of the --augment* flags (then *ok is 0 after printing
 * one line about a bad value), 0 when it is some other flag. */
int augment_cli_option(augment_cli *a, const char *cmd, const char *flag, const char *value,
                       int *ok);

/* 0 (after one line) when a strength flag was given for a part that is off. */
int augment_cli_check(const augment_cli *a, const char *cmd);

/* The flags' help text (one line each, two-space indent). */
const char *augment_cli_usage(void);

#endif
