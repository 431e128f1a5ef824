/* placeholder until the command is written */
#include <stdio.h>
#include "commands.h"
int cmd_bench(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "dyad bench: not built yet\n");
    return 1;
}
