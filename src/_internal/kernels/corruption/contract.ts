/**
 * The corruption kernel, the core of `randomMask` (forward and gradient): a per-position
 * mask applied to every channel.
 *
 * | kernel | inputs → output |
 * |---|---|
 * | `FeatstatsMaskPositions` | x `[N, ...S, C]` or `[N, C, ...S]`, mask `[N, L]` (float32), attr `channelsLast` → x's shape: `y[n, l, c] = x[n, l, c]·mask[n, l]` |
 *
 * The composite broadcasts the mask reshaped to `[N, ...S, 1]` (`[N, 1, ...S]`), which
 * tfjs's cpu backend runs through its slow broadcasting path; the host kernel (cpu and
 * wasm) is one pass over x in float32 multiplication, so it returns the same values
 * (−0 and NaN included).
 */
import * as tf from '@tensorflow/tfjs-core';

import { dispatch, type FusedKernel } from '../dispatch';
import { maskPositionsCpu, maskPositionsWasm } from './host/maskPositions';

export const MASK_POSITIONS: FusedKernel = { name: 'FeatstatsMaskPositions', backends: { cpu: maskPositionsCpu, wasm: maskPositionsWasm } };

/** x with `mask` `[N, L]` applied at every channel of each position; x's shape. */
export function maskPositions(x: tf.Tensor, mask: tf.Tensor2D, channelsLast: boolean): tf.Tensor {
  return dispatch(MASK_POSITIONS, { x, mask }, { channelsLast }, () =>
    tf.tidy(() => {
      const [batch, ...rest] = x.shape as [number, ...number[]];
      const spatial = channelsLast ? rest.slice(0, -1) : rest.slice(1);
      return tf.mul(x, tf.reshape(mask, channelsLast ? [batch, ...spatial, 1] : [batch, 1, ...spatial]));
    }),
  );
}
