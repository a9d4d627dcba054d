import * as tf from '@tensorflow/tfjs-core';

import { customGrad } from '../_internal/customGrad';
import { formatShape, opError } from '../_internal/errors';
import { moments, scaleShift } from '../_internal/kernels/statistics/contract';
import { batchNormView } from '../_internal/kernels/statistics/view';
import { channelLayout } from '../_internal/layout';
import { checkDataFormat, checkFeatures, checkOptions, floatTensor, type DataFormat, type TensorInput } from '../_internal/validate';

const OP = 'channelVariance';

/** Options of {@link channelVariance}. */
export interface ChannelVarianceOptions {
  /** Layout of x: `'NHWC'` (default; `[N, C]` for dense activations) or `'NCHW'`, rank 2 or ≥ 4; `'NWC'`/`'NCW'` for rank 3. */
  dataFormat?: DataFormat;
}

/**
 * Mean over channels of each channel's unbiased variance over the batch and positions,
 * `(1/C)·Σ_c Σ_{n,i}(x − μ_c)²/(M − 1)`, M = N·L: the activation-variance probe of
 * "Beyond BatchNorm". Gradient: ∂/∂x = 2(x − μ_c)/((M − 1)·C).
 *
 * @param x Activations `[N, ...S, C]` (NHWC) or `[N, C, ...S]` (NCHW), rank 2 (`[N, C]`) or ≥ 4, or 3 for 'NWC'/'NCW'.
 * @param options See {@link ChannelVarianceOptions}.
 * @returns A scalar.
 * @throws If x is not a non-empty float32 or int32 tensor of rank 2 or ≥ 4 ('NHWC'/'NCHW') or 3 ('NWC'/'NCW') with N·L ≥ 2.
 *
 * @example
 * ```ts
 * channelVariance(tf.tensor2d([[1, 10], [3, 10]])); // 1
 * ```
 * @see E. S. Lubana, R. P. Dick, H. Tanaka, "Beyond BatchNorm", NeurIPS 2021.
 */
export function channelVariance(x: TensorInput, options?: ChannelVarianceOptions): tf.Scalar {
  const dataFormat = checkDataFormat(checkOptions(options, ['dataFormat'], OP).dataFormat, OP);
  return tf.tidy(`featstats.${OP}`, () => {
    const input = floatTensor(x, 'x', OP);
    const layout = channelLayout(input.shape, checkFeatures(input, 'x', OP, dataFormat, { dense: true }));
    const { batch, channels, positions } = layout;
    const count = batch * positions;
    if (count < 2) throw opError(OP, `x must have at least 2 values per channel but got shape ${formatShape(input.shape)}`);
    const view = batchNormView(layout);
    // Forward: one moments pass. Backward: dx = (x − μ_c)·2·dy/((M − 1)·C), one
    // scale-shift of x about μ_c.
    const variance = customGrad<[tf.Tensor]>(([value], save) => {
      const { mean, variance: channelVariances } = moments(value, { view, ddof: 1 });
      save([value, mean]);
      return {
        value: tf.mean(channelVariances),
        gradFunc: (dy, [savedX, savedMean]) => {
          const scale = tf.broadcastTo(tf.div(tf.mul(dy, 2), (count - 1) * channels), (savedMean as tf.Tensor).shape);
          return [scaleShift(savedX as tf.Tensor, { view, mean: savedMean as tf.Tensor, scale })];
        },
      };
    });
    return variance(input) as tf.Scalar;
  });
}
