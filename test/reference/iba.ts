/**
 * Float64 references for IBA, from the paper's definitions: Gaussian smoothing by a
 * direct convolution with reflection padding (written independently of the library's
 * matrix form), and the bottleneck's output and capacity for given noise.
 */
import { channelsLast, type DataFormat } from './layout';

/** Reflects an index into [0, L) without repeating the edge, folding as often as needed. */
function reflect(i: number, length: number): number {
  if (length === 1) return 0;
  let j = i;
  while (j < 0 || j >= length) j = j < 0 ? -j : 2 * (length - 1) - j;
  return j;
}

/** Separable Gaussian smoothing of `x` (shape `shape`) along `axes`, reflection padding. */
export function smoothReference(x: ArrayLike<number>, shape: number[], axes: number[], sigma: number, kernelSize: number): Float64Array {
  let current = Float64Array.from(x);
  const radius = (kernelSize - 1) / 2;
  const taps = Array.from({ length: kernelSize }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  for (const axis of axes) {
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const length = shape[axis] as number;
    const next = new Float64Array(current.length);
    for (let i = 0; i < current.length; i++) {
      const position = Math.floor(i / stride) % length;
      const base = i - position * stride;
      let sum = 0;
      taps.forEach((tap, k) => (sum += (tap / total) * (current[base + reflect(position + k - radius, length) * stride] as number)));
      next[i] = sum;
    }
    current = next;
  }
  return current;
}

export interface BottleneckReferenceOptions {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
  noise: ArrayLike<number>;
  minStd: number;
  smoothSigma: number;
  dataFormat: DataFormat;
  mask?: ArrayLike<number>;
}

/** The bottleneck for R `[N, ...sample]` and α (sample-shaped), in float64. */
export function bottleneckReference(r: ArrayLike<number>, shape: number[], alpha: ArrayLike<number>, options: BottleneckReferenceOptions) {
  const sampleShape = shape.slice(1);
  const rank = sampleShape.length;
  const axes = rank < 2 ? [] : channelsLast(options.dataFormat) ? sampleShape.slice(0, -1).map((_, i) => i) : sampleShape.slice(1).map((_, i) => i + 1);
  const kernelSize = 2 * Math.round(2 * options.smoothSigma) + 1;
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const gate = Array.from(alpha, sigmoid);
  const lambda = options.smoothSigma === 0 || axes.length === 0 ? Float64Array.from(gate) : smoothReference(gate, sampleShape, axes, options.smoothSigma, kernelSize);
  const size = alpha.length;
  const output = new Float64Array(r.length);
  const capacity = new Float64Array(r.length);
  // Magnitude of the terms the capacity sums (they cancel to O(λ²) as λ → 0): the scale of
  // its float32 rounding.
  const capacityScale = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) {
    const e = i % size;
    const l = lambda[e] as number;
    const sigma = Math.max(options.std[e] as number, options.minStd);
    const mean = options.mean[e] as number;
    const m = options.mask?.[e] ?? 1;
    const epsilon = mean + sigma * (options.noise[i] as number);
    output[i] = m * (l * (r[i] as number) + (1 - l) * epsilon);
    const muZ = (l * ((r[i] as number) - mean)) / sigma;
    const variance = (1 - l) ** 2;
    capacity[i] = m * -0.5 * (1 + Math.log(variance) - muZ * muZ - variance);
    capacityScale[i] = m * 0.5 * (1 + Math.abs(Math.log(variance)) + muZ * muZ + variance);
  }
  return { output, capacity, capacityScale };
}
