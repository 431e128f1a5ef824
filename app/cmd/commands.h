/* Subcommands of the dyad program. Each takes argc/argv starting at the
 * subcommand name and returns the process exit status. */
#ifndef APP_COMMANDS_H
#define APP_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_draw(int argc, char **argv);
int cmd_heatmap(int argc, char **argv);
int cmd_augment_preview(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

#endif
