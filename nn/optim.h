/* Optimisers over an MLP's flat parameter buffer: SGD with (Nesterov-free)
 * momentum and Adam, with decoupled weight decay on weights (never biases),
 * and learning-rate schedules. */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include "error.h"
#include "mlp.h"

typedef enum { OPTIM_SGD = 0, OPTIM_ADAM } optim_kind;
typedef enum { SCHEDULE_COSINE = 0, SCHEDULE_STEP, SCHEDULE_CONSTANT } schedule_kind;

typedef struct {
    optim_kind kind;
    float lr;           /* base learning rate */
    float momentum;     /* SGD */
    float beta1, beta2; /* Adam */
    float eps;          /* Adam */
    float weight_decay; /* decoupled: w -= lr * wd * w */
    schedule_kind schedule;
    int warmup_steps;   /* linear warm-up before the schedule */
} optim_config;

typedef struct {
    optim_config cfg;
    size_t n;
    float *m; /* SGD velocity, or Adam first moment */
    float *v; /* Adam second moment (NULL for SGD) */
    long step;
} optimizer;

const char *optim_kind_name(optim_kind kind);
nn_status optim_kind_parse(const char *name, optim_kind *kind);
const char *schedule_kind_name(schedule_kind kind);
nn_status schedule_kind_parse(const char *name, schedule_kind *kind);

nn_status optim_create(optimizer *opt, const optim_config *cfg, size_t nparams, nn_error *err);
void optim_free(optimizer *opt);

/* Learning rate at step (0-based) of total_steps under the schedule. */
float optim_lr_at(const optim_config *cfg, long step, long total_steps);

/* One update of net->params from net->grads at learning rate lr. */
void optim_step(optimizer *opt, mlp *net, float lr);

/* After mlp_forward: the backward pass and one update at learning rate lr.
 * SGD runs fused (mlp_backward_sgd: net->grads then holds only scratch);
 * Adam runs mlp_backward then optim_step. Returns the mean loss; a non-finite
 * loss takes no step (the parameters and optimiser state stay as they were). */
float optim_backward_step(optimizer *opt, mlp *net, const uint8_t *labels, int batch, float lr,
                          int *correct);

#endif
