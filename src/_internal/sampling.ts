/**
 * Host-side sampling on top of the seeded generator of `random.ts`: standard normals in
 * bulk and subsets drawn without replacement. Used by the image corruptions, whose noise
 * and masks must be the same on every backend for a given seed (tfjs's `randomNormal`
 * streams are backend-specific).
 */
import type { Uniform } from './random';

/**
 * Writes standard-normal draws into `out` (Box–Muller, both the cosine and the sine
 * variate of each pair of uniforms). u₁ = 1 − U lies in (0, 1], so log u₁ stays finite;
 * with 2⁻³²-spaced uniforms the largest magnitude is √(2·32·ln 2) ≈ 6.66.
 */
export function fillStandardNormal(out: Float64Array, uniform: Uniform): Float64Array {
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/**
 * `count` distinct indices of 0..n−1, uniformly among all subsets of that size (the first
 * `count` steps of a Fisher–Yates shuffle: O(n) memory, `count` draws).
 */
export function sampleWithoutReplacement(n: number, count: number, uniform: Uniform): Int32Array {
  // A plain loop: Int32Array.from with a mapping function goes through V8's generic
  // iterator path, which cost more than the draws themselves.
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(uniform() * (n - i));
    const chosen = pool[j] as number;
    pool[j] = pool[i] as number;
    pool[i] = chosen;
  }
  return pool.subarray(0, count);
}
