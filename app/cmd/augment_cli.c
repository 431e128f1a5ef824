/* The --augment* flags: parsing into an augment_config. */
#include "augment_cli.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

void augment_cli_init(augment_cli *a) {
    nn_augment_config_default(&a->cfg);
    a->strengths = 0;
}

int augment_cli_option(augment_cli *a, const char *cmd, const char *flag, const char *value,
                       int *ok) {
    nn_augment_config *c = &a->cfg;
    float *target = NULL;
    double lo = 0, hi = 0;
    if (!strcmp(flag, "--augment")) {
        nn_error err;
        *ok = nn_augment_parse_parts(value, c, &err) == NN_OK;
        if (!*ok) fprintf(stderr, "dyad %s: %s\n", cmd, err.msg);
        return 1;
    }
    if (!strcmp(flag, "--augment-elastic")) {
        nn_error err;
        *ok = nn_augment_parse_elastic(value, c, &err) == NN_OK;
        if (!*ok) fprintf(stderr, "dyad %s: %s\n", cmd, err.msg);
        a->strengths |= NN_AUGMENT_ELASTIC;
        return 1;
    }
    if (!strcmp(flag, "--augment-rotate")) target = &c->rotate_deg, lo = 0, hi = 180;
    else if (!strcmp(flag, "--augment-shift")) target = &c->shift_px, lo = 0, hi = 64;
    else if (!strcmp(flag, "--augment-scale")) target = &c->scale, lo = 0, hi = 0.9;
    else if (!strcmp(flag, "--augment-shear")) target = &c->shear_deg, lo = 0, hi = 60;
    else return 0;
    *ok = cli_float(cmd, flag, value, lo, hi, target);
    a->strengths |= NN_AUGMENT_AFFINE;
    return 1;
}

int augment_cli_check(const augment_cli *a, const char *cmd) {
    unsigned off = a->strengths & ~a->cfg.parts;
    if (off & NN_AUGMENT_AFFINE)
        fprintf(stderr, "dyad %s: --augment-rotate/shift/scale/shear need --augment affine\n", cmd);
    else if (off & NN_AUGMENT_ELASTIC)
        fprintf(stderr, "dyad %s: --augment-elastic needs --augment elastic\n", cmd);
    return off == 0;
}

const char *augment_cli_usage(void) {
    return "  --augment SPEC      distort each training image, differently every epoch (seeded):\n"
           "                      affine, elastic, affine,elastic or none (default none)\n"
           "  --augment-rotate D  affine: rotation drawn from [-D, D] degrees (default 10)\n"
           "  --augment-shift P   affine: shift drawn from [-P, P] pixels per axis (default 2)\n"
           "  --augment-scale F   affine: scale drawn from [1-F, 1+F] (default 0.1)\n"
           "  --augment-shear D   affine: shear drawn from [-D, D] degrees (default 10)\n"
           "  --augment-elastic A,S  elastic (Simard 2003): uniform[-1,1] displacements smoothed\n"
           "                      by a Gaussian of width S pixels, times A (default 34,6)\n";
}
