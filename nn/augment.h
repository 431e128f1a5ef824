/* Data augmentation for training images (W x H floats in [0,1], row-major):
 * a random affine transform (rotation, scale, shear, shift about the image
 * centre) and Simard's elastic distortion (Simard, Steinkraus, Platt, ICDAR
 * 2003: a uniform[-1,1] displacement field per axis, smoothed by a Gaussian of
 * width sigma, scaled by alpha), applied with one bilinear resampling, zero
 * outside the image, results clamped to [0,1].
 *
 * Randomness is counter-based: the distortion of an image is a function of
 * (seed, epoch, image index) alone, so a run is the same whatever the thread
 * count or batch order, and a resumed run needs no extra RNG state.
 *
 * Default ranges (nn_augment_config_default), each drawn uniformly per image:
 *   rotation  [-10, 10] degrees        shift  [-2, 2] pixels per axis
 *   scale     [0.9, 1.1] (isotropic)   shear  [-10, 10] degrees (x by y)
 *   elastic   alpha 34, sigma 6 (Simard used 34, 4: wilder warps that turn
 *             some digits into others; 6 keeps them readable)
 */
#ifndef NN_AUGMENT_H
#define NN_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "idx.h"
#include "kernels.h"
#include "rng.h"

enum { NN_AUGMENT_AFFINE = 1, NN_AUGMENT_ELASTIC = 2 };

typedef struct {
    unsigned parts;      /* NN_AUGMENT_AFFINE | NN_AUGMENT_ELASTIC; 0 = off */
    float rotate_deg;    /* maximum |rotation| */
    float shift_px;      /* maximum |shift| along each axis */
    float scale;         /* scale factor drawn from [1 - scale, 1 + scale] */
    float shear_deg;     /* maximum |shear angle| */
    float elastic_alpha; /* displacement scale, pixels */
    float elastic_sigma; /* Gaussian width, pixels */
    uint64_t seed;
} nn_augment_config;

/* Off, with the default ranges above (so switching a part on uses them). */
void nn_augment_config_default(nn_augment_config *cfg);

/* "none" or a comma list of "affine" and "elastic" into cfg->parts. */
nn_status nn_augment_parse_parts(const char *spec, nn_augment_config *cfg, nn_error *err);

/* "ALPHA,SIGMA", alpha in [0, 1000], sigma in [0.1, 50]. */
nn_status nn_augment_parse_elastic(const char *spec, nn_augment_config *cfg, nn_error *err);

/* The settings as the flags that reproduce them, e.g. "affine,elastic
 * --augment-rotate 10 ..." or "none"; for the training record. */
void nn_augment_describe(const nn_augment_config *cfg, char *buf, size_t size);

/* An inverse map: output pixel (x, y) samples the source at
 * (m[0] x + m[1] y + m[2], m[3] x + m[4] y + m[5]). Pixel centres sit at
 * integer coordinates. */
typedef struct {
    float m[6];
} nn_augment_affine;

/* The map that rotates by rotate_deg (counter-clockwise on screen, y down),
 * shears x by tan(shear_deg) * y, scales by scale, all about the image centre,
 * then moves the content by (shift_x, shift_y) pixels. All zero/one: identity. */
void nn_augment_affine_make(nn_augment_affine *t, float rotate_deg, float scale, float shear_deg,
                         float shift_x, float shift_y, int width, int height);

/* A Gaussian kernel of width sigma, radius ceil(3 sigma) (taps = 2 radius + 1),
 * summing to 1. kernel holds nn_augment_kernel_taps(sigma) floats. */
int nn_augment_kernel_taps(float sigma);
void nn_augment_kernel(float sigma, float *kernel);

/* The n x n matrix of the zero-padded convolution with kernel, times scale:
 * m[i][j] = scale * kernel[j - i + radius] inside the band, else 0 (symmetric,
 * as the kernel is). Blurring rows of F is F m, columns m F. */
void nn_augment_blur_matrix(const float *kernel, int taps, int n, float scale, float *m);

/* Elastic displacements d (2*w*h: dx, then dy): uniform[-1,1] from r, smoothed
 * separably, d_f = blur_h (F_f blur_w), with blur_w (w x w) and blur_h (h x h,
 * alpha folded in) from nn_augment_blur_matrix. tmp holds 2*w*h floats. */
void nn_augment_elastic_field(nn_rng *r, const float *blur_w, const float *blur_h, int w, int h,
                           float *d, float *tmp);

/* dst(x,y) = src bilinearly sampled at t(x,y) + (dx, dy)(x,y), zero outside,
 * clamped to [0,1]. t, dx and dy may each be NULL (identity / no displacement).
 * pad holds (w+2)*(h+2) floats (src with a zero border). */
void nn_augment_warp(const float *src, float *dst, int w, int h, const nn_augment_affine *t,
                  const float *dx, const float *dy, float *pad);

/* What one configuration needs at run time: the precomputed blur matrices
 * and per-task scratch space. */
typedef struct {
    nn_augment_config cfg;
    int width, height;
    float *blur_w;  /* width x width */
    float *blur_h;  /* height x height, times alpha */
    int slots;      /* scratch slots: tasks that may run at once */
    float *scratch; /* slots x (nn_augment_image_scratch + 2 images) */
} nn_augment_plan;

/* Scratch floats nn_augment_image needs for one w x h image. */
size_t nn_augment_image_scratch(int w, int h);

nn_status nn_augment_plan_create(nn_augment_plan *plan, const nn_augment_config *cfg, int width,
                              int height, int slots, nn_error *err);
void nn_augment_plan_free(nn_augment_plan *plan);

/* The per-image generator for (seed, epoch, index). */
void nn_augment_image_rng(nn_rng *r, uint64_t seed, uint64_t epoch, uint64_t index);

/* Distorts one image (src, dst: width*height floats; scratch: one slot of the
 * plan) as the plan's config says for (epoch, index). */
void nn_augment_image(const nn_augment_plan *plan, uint64_t epoch, uint64_t index, const float *src,
                   float *dst, float *scratch);

/* The augmented counterpart of nn_train_gather_batch: images[indices[s]] as
 * pixel / 255, distorted for (epoch, indices[s]), into x as (pixels x count),
 * spread over the compute context's threads. */
void nn_augment_gather_batch(nn_augment_plan *plan, nn_compute *compute, float *x, const nn_idx_images *images,
                          const int *indices, int count, int epoch);

#endif
