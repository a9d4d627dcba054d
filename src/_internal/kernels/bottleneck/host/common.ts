/** What the bottleneck's host kernels and its composites share. */

/** Float32's smallest normal: the floor of 1 − λ under the log, so the capacity stays finite. */
export const SMALLEST_NOISE_WEIGHT = 1.1754944e-38;
