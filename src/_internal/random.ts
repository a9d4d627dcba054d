/**
 * Seeded host-side randomness for ops whose randomness is per sample (EFDMix's mixing
 * decision, Beta weights and partner order; the corruptions' masks and noise). Drawing N
 * numbers on the host costs nothing and never reads data back from a GPU backend.
 */
// Seeds are validated by `resolveSeed` in validate.ts, the one rule every op shares.

/** A source of uniform numbers in [0, 1). */
export type Uniform = () => number;

/**
 * A {@link Uniform} that can also fill an array: `fill(out, count)` writes the next
 * `count` draws into `out[0…count)`, the same numbers as `count` calls, with the
 * generator's state held in locals for the loop (a call per draw costs several times the
 * draw itself where millions are drawn: the noise of `gaussianNoise`).
 */
export interface UniformStream extends Uniform {
  fill(out: Float64Array, count: number): void;
}

/**
 * xoshiro128** seeded through SplitMix32: small, fast, and good enough statistically for
 * sampling mixing weights; `seed` makes a draw reproducible across platforms.
 */
export function seededUniform(seed: number): UniformStream {
  const state = seededState(seed);
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  const uniform = () => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
  // The same steps as `uniform`, on local copies of the state.
  const fill = (out: Float64Array, count: number) => {
    let [sa, sb, sc, sd] = [a, b, c, d];
    for (let i = 0; i < count; i++) {
      const scaled = Math.imul(sb, 5);
      const result = Math.imul((scaled << 7) | (scaled >>> 25), 9) >>> 0;
      const t = (sb << 9) >>> 0;
      sc = (sc ^ sa) >>> 0;
      sd = (sd ^ sb) >>> 0;
      sb = (sb ^ sc) >>> 0;
      sa = (sa ^ sd) >>> 0;
      sc = (sc ^ t) >>> 0;
      sd = ((sd << 11) | (sd >>> 21)) >>> 0;
      out[i] = result / 4294967296;
    }
    [a, b, c, d] = [sa, sb, sc, sd];
  };
  return Object.assign(uniform, { fill });
}

/**
 * The xoshiro128** state (a, b, c, d) that {@link seededUniform} starts from, four
 * SplitMix32 outputs: for a compiled draw (`kernels/host/compiled/corruption.c`) that
 * carries the same generator on in its own memory.
 */
export function seededState(seed: number): Uint32Array {
  let s = seed >>> 0;
  const splitMix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return Uint32Array.of(splitMix(), splitMix(), splitMix(), splitMix());
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A standard normal draw (Box–Muller). */
function normal(uniform: Uniform): number {
  const u = 1 - uniform(); // (0, 1]: log stays finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
}

/**
 * log of a Gamma(shape, 1) draw, by Marsaglia–Tsang (2000). For shape < 1 it uses
 * Gamma(shape) = Gamma(shape + 1)·U^(1/shape), kept in log space: with shape 0.1 the
 * factor U^10 underflows to 0 often enough to turn Beta(0.1, 0.1) into 0/0.
 */
function logGamma(shape: number, uniform: Uniform): number {
  if (shape < 1) return logGamma(shape + 1, uniform) + Math.log(1 - uniform()) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = normal(uniform);
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - uniform();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** A Beta(a, b) draw as G_a/(G_a + G_b) = 1/(1 + exp(log G_b − log G_a)), stable for small a, b. */
export function beta(a: number, b: number, uniform: Uniform): number {
  return 1 / (1 + Math.exp(logGamma(b, uniform) - logGamma(a, uniform)));
}

/** A uniformly random permutation of 0..n−1 (Fisher–Yates). */
export function permutation(n: number, uniform: Uniform): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}
