import * as tf from '@tensorflow/tfjs-core';

import { formatShape, opError } from '../_internal/errors';
import { checkMinRank, checkNonEmpty, checkNumber, describeValue, numericTensor, type TensorInput } from '../_internal/validate';

const OP = 'WelfordEstimator';

/**
 * Per-element running statistics of feature samples (one sample's shape), gathered
 * batch by batch: count, mean, unbiased standard deviation and how often each element was
 * non-zero. The statistics IBA needs (`mean`, `std`, `activeMask`) for a layer are
 * estimated once over a dataset with it.
 *
 * Welford's algorithm in float64 on the host (Welford 1962): for each sample x,
 * `n += 1; δ = x − μ; μ += δ/n; M₂ += δ·(x − μ)`, so 1e5 samples of values near 1e4
 * keep their variance (the sum-of-squares formula loses it). `merge` combines two
 * estimators by Chan et al.'s parallel formula, so statistics can be gathered in parts.
 * `update` reads the batch back from the backend (asynchronously: `await`).
 *
 * @example
 * ```ts
 * const estimator = new WelfordEstimator();
 * await estimator.update(tf.tensor2d([[1, 0], [3, 0]]));
 * estimator.count; // 2
 * estimator.mean(); // [2, 0]
 * ```
 * @see K. Schulz, L. Sixt, F. Tombari, T. Landgraf, "Restricting the Flow: Information
 *   Bottlenecks for Attribution", ICLR 2020.
 */
export class WelfordEstimator {
  /** Number of samples seen. */
  count = 0;
  private sampleShape: number[] | undefined;
  private runningMean = new Float64Array(0);
  private squares = new Float64Array(0);
  private nonZero = new Float64Array(0);

  /**
   * Adds a batch `[B, ...sampleShape]` of samples. The sample shape is fixed by the first batch.
   * A call that throws (or rejects) changes nothing: the batch is checked and read
   * before any statistic is touched.
   * @throws If the batch is not a live float32/int32 tensor (or nested numbers) of rank ≥ 1
   *   with no empty dimension, or its sample shape differs from earlier batches'.
   */
  async update(batch: TensorInput): Promise<void> {
    const op = `${OP}.update`;
    const tensor = numericTensor(batch, 'batch', op, ['float32', 'int32']);
    try {
      checkMinRank(tensor, 1, 'batch', op, ' ([B, ...sampleShape])');
      checkNonEmpty(tensor, 'batch', op);
      const shape = tensor.shape.slice(1);
      this.checkSampleShape(shape, 'batch', op);
      const values = await tensor.data();
      // Another update may have fixed the sample shape while this one awaited its data.
      this.checkSampleShape(shape, 'batch', op);
      this.fixSampleShape(shape);
      const size = this.runningMean.length;
      const samples = tensor.shape[0] as number;
      for (let b = 0; b < samples; b++) {
        this.count += 1;
        const offset = b * size;
        for (let i = 0; i < size; i++) {
          const x = values[offset + i] as number;
          const delta = x - (this.runningMean[i] as number);
          const mean = (this.runningMean[i] as number) + delta / this.count;
          this.runningMean[i] = mean;
          this.squares[i] = (this.squares[i] as number) + delta * (x - mean);
          if (x !== 0) this.nonZero[i] = (this.nonZero[i] as number) + 1;
        }
      }
    } finally {
      if (tensor !== batch) tensor.dispose();
    }
  }

  /**
   * Adds another estimator's samples to this one (Chan, Golub, LeVeque 1979):
   * `μ = μ_a + δ·n_b/n`, `M₂ = M₂_a + M₂_b + δ²·n_a·n_b/n`, δ = μ_b − μ_a.
   * @throws If other is not a WelfordEstimator, or the two estimators' sample shapes differ.
   */
  merge(other: WelfordEstimator): this {
    const op = `${OP}.merge`;
    if (!(other instanceof WelfordEstimator)) throw opError(op, `other must be a WelfordEstimator but got ${describeValue(other)}`);
    if (other.count === 0 || other.sampleShape === undefined) return this;
    this.checkSampleShape(other.sampleShape, 'other', op);
    this.fixSampleShape(other.sampleShape);
    const [na, nb] = [this.count, other.count];
    const n = na + nb;
    for (let i = 0; i < this.runningMean.length; i++) {
      const delta = (other.runningMean[i] as number) - (this.runningMean[i] as number);
      this.runningMean[i] = (this.runningMean[i] as number) + (delta * nb) / n;
      this.squares[i] = (this.squares[i] as number) + (other.squares[i] as number) + (delta * delta * na * nb) / n;
      this.nonZero[i] = (this.nonZero[i] as number) + (other.nonZero[i] as number);
    }
    this.count = n;
    return this;
  }

  /** Per-element mean, shaped like one sample. @throws If no sample was seen. */
  mean(): tf.Tensor {
    return this.toTensor(this.runningMean, 'mean', 1);
  }

  /** Per-element unbiased standard deviation (÷(n − 1)). @throws If fewer than 2 samples were seen. */
  std(): tf.Tensor {
    const count = this.count;
    return this.toTensor(this.squares.map((m2) => Math.sqrt(m2 / (count - 1))), 'std', 2);
  }

  /**
   * 1 where the element was non-zero in more than `threshold` of the samples, else 0.
   * @throws If no sample was seen or threshold is outside [0, 1].
   */
  activeMask(threshold = 0.01): tf.Tensor {
    checkNumber(threshold, 'threshold', `${OP}.activeMask`, { min: 0, max: 1 });
    const count = this.count;
    return this.toTensor(this.nonZero.map((k) => (k / count > threshold ? 1 : 0)), 'activeMask', 1);
  }

  /** Throws unless samples of `shape` match those seen so far (any shape before the first). */
  private checkSampleShape(shape: readonly number[], arg: string, op: string): void {
    const fixed = this.sampleShape;
    if (fixed !== undefined && (shape.length !== fixed.length || shape.some((d, i) => d !== fixed[i]))) {
      throw opError(op, `${arg} must have samples of shape ${formatShape(fixed)} but got ${formatShape(shape)}`);
    }
  }

  /** Fixes the sample shape, and sizes the statistics, on the first samples seen. */
  private fixSampleShape(shape: readonly number[]): void {
    if (this.sampleShape !== undefined) return;
    this.sampleShape = [...shape];
    const size = shape.reduce((a, b) => a * b, 1);
    [this.runningMean, this.squares, this.nonZero] = [new Float64Array(size), new Float64Array(size), new Float64Array(size)];
  }

  private toTensor(values: Float64Array, what: string, minimum: number): tf.Tensor {
    if (this.sampleShape === undefined || this.count < minimum) {
      throw opError(`${OP}.${what}`, `the estimator must have seen at least ${minimum} sample${minimum > 1 ? 's' : ''} but got ${this.count}`);
    }
    return tf.tensor(Float32Array.from(values), this.sampleShape, 'float32');
  }
}
