/* Optimisers over an MLP's flat parameter buffer: SGD with (Nesterov-free)
 * momentum and Adam, with decoupled weight decay on weights (never biases),
 * and learning-rate schedules. */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include "error.h"
#include "mlp.h"

typedef enum { NN_OPTIM_SGD = 0, NN_OPTIM_ADAM } nn_optim_kind;
typedef enum { NN_SCHEDULE_COSINE = 0, NN_SCHEDULE_STEP, NN_SCHEDULE_CONSTANT } nn_schedule_kind;

typedef struct {
    nn_optim_kind kind;
    float lr;           /* base learning rate */
    float momentum;     /* SGD */
    float beta1, beta2; /* Adam */
    float eps;          /* Adam */
    float weight_decay; /* decoupled: w -= lr * wd * w */
    nn_schedule_kind schedule;
    int warmup_steps;   /* linear warm-up before the schedule */
} nn_optim_config;

typedef struct {
    nn_optim_config cfg;
    size_t n;
    float *m; /* SGD velocity, or Adam first moment */
    float *v; /* Adam second moment (NULL for SGD) */
    long step;
} nn_optimizer;

const char *nn_optim_kind_name(nn_optim_kind kind);
nn_status nn_optim_kind_parse(const char *name, nn_optim_kind *kind);
const char *nn_schedule_kind_name(nn_schedule_kind kind);
nn_status nn_schedule_kind_parse(const char *name, nn_schedule_kind *kind);

nn_status nn_optim_create(nn_optimizer *opt, const nn_optim_config *cfg, size_t nparams, nn_error *err);
void nn_optim_free(nn_optimizer *opt);

/* Learning rate at step (0-based) of total_steps under the schedule. */
float nn_optim_lr_at(const nn_optim_config *cfg, long step, long total_steps);

/* One update of net->params from net->grads at learning rate lr. */
void nn_optim_step(nn_optimizer *opt, nn_mlp *net, float lr);

/* After nn_mlp_forward: the backward pass and one update at learning rate lr.
 * SGD runs fused (nn_mlp_backward_sgd: net->grads then holds only scratch);
 * Adam runs nn_mlp_backward then nn_optim_step. Returns the mean loss; a non-finite
 * loss takes no step (the parameters and optimiser state stay as they were). */
float nn_optim_backward_step(nn_optimizer *opt, nn_mlp *net, const uint8_t *labels, int batch, float lr,
                          int *correct);

#endif
