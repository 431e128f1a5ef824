/* placeholder until the command is written */
#include <stdio.h>
#include "commands.h"
int cmd_heatmap(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "dyad heatmap: not built yet\n");
    return 1;
}
