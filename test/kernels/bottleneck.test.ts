/**
 * The bottleneck kernels (`src/_internal/kernels/bottleneck/contract.ts`) against the
 * contract's formulas in float64, with the compiled passes required and with the
 * TypeScript loops (on cpu and wasm; elsewhere both runs are the composite): both terms,
 * with and without a mask, samples whose size is and is not a multiple of the vector width.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { it } from 'vitest';

import { bottleneckBackward, bottleneckForward, SMALLEST_NOISE_WEIGHT, type BottleneckTerm } from '../../src/_internal/kernels/bottleneck/contract';
import { uniformFrom } from '../helpers/arbitraries';
import { expectClose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';
import { withEngine } from '../helpers/hostEngines';
import { runs } from '../helpers/properties';
import { TOLERANCE } from '../helpers/tolerance';

interface Values {
  readonly r: Float32Array;
  readonly noise: Float32Array;
  readonly dy: Float32Array;
  readonly lambda: Float32Array;
  readonly oneMinusLambda: Float32Array;
  readonly mean: Float32Array;
  readonly sigma: Float32Array;
  readonly mask: Float32Array | undefined;
}

/** The forward, dR and the batch sums of gλ, g₁₋λ in float64 (the contract's table), with each term's magnitude. */
function reference(v: Values, batch: number, sample: number, term: BottleneckTerm) {
  const [y, dR, gLambda, gOneMinus] = [new Float64Array(batch * sample), new Float64Array(batch * sample), new Float64Array(sample), new Float64Array(sample)];
  const [yScale, dRScale, gLambdaScale, gOneMinusScale] = [new Float64Array(batch * sample), new Float64Array(batch * sample), new Float64Array(sample), new Float64Array(sample)];
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < sample; i++) {
      const at = n * sample + i;
      const [r, e, dy] = [v.r[at] as number, v.noise[at] as number, v.dy[at] as number];
      const [l, om, mu, s, m] = [v.lambda[i] as number, v.oneMinusLambda[i] as number, v.mean[i] as number, v.sigma[i] as number, v.mask?.[i] ?? 1];
      const o = m * dy;
      if (term === 'output') {
        const eps = mu + s * e;
        y[at] = m * (l * r + om * eps);
        yScale[at] = Math.abs(m) * (Math.abs(l * r) + Math.abs(om) * (Math.abs(mu) + Math.abs(s * e)));
        dR[at] = o * l;
        dRScale[at] = Math.abs(dR[at] as number);
        gLambda[i] = (gLambda[i] as number) + o * r;
        gLambdaScale[i] = (gLambdaScale[i] as number) + Math.abs(o * r);
        gOneMinus[i] = (gOneMinus[i] as number) + o * eps;
        gOneMinusScale[i] = (gOneMinusScale[i] as number) + Math.abs(o) * (Math.abs(mu) + Math.abs(s * e));
      } else {
        const rPrime = (r - mu) / s;
        const logVariance = 2 * Math.log(Math.max(om, SMALLEST_NOISE_WEIGHT));
        y[at] = m * -0.5 * (1 + logVariance - (l * rPrime) ** 2 - om * om);
        yScale[at] = Math.abs(m) * 0.5 * (1 + Math.abs(logVariance) + (l * rPrime) ** 2 + om * om) * (1 + Math.abs(r) + Math.abs(mu));
        dR[at] = (o * l * l * rPrime) / s;
        dRScale[at] = Math.abs(dR[at] as number) * (1 + Math.abs(r) + Math.abs(mu)) / (Math.abs(r - mu) + Number.MIN_VALUE);
        gLambda[i] = (gLambda[i] as number) + o * l * rPrime * rPrime;
        gLambdaScale[i] = (gLambdaScale[i] as number) + Math.abs(o * l) * ((Math.abs(r) + Math.abs(mu)) / s) ** 2;
        const k = om - 1 / Math.max(om, SMALLEST_NOISE_WEIGHT);
        gOneMinus[i] = (gOneMinus[i] as number) + o * k;
        gOneMinusScale[i] = (gOneMinusScale[i] as number) + Math.abs(o * k);
      }
    }
  }
  return { y, dR, gLambda, gOneMinus, yScale, dRScale, gLambdaScale, gOneMinusScale };
}

const bottleneckCase = fc.record({
  batch: fc.integer({ min: 1, max: 4 }),
  sample: fc.integer({ min: 1, max: 23 }),
  term: fc.constantFrom<BottleneckTerm>('output', 'capacity'),
  masked: fc.boolean(),
  engine: fc.constantFrom<'required' | 'off'>('required', 'off'),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describeBackends('bottleneck kernels', (backend) => {
  const tolerance = TOLERANCE[backend];

  it('give the contract’s output, capacity and their gradients, compiled and in TypeScript', async () => {
    await fc.assert(
      fc.asyncProperty(bottleneckCase, async ({ batch, sample, term, masked, engine, seed }) => {
        const uniform = uniformFrom(seed);
        const draw = (size: number, lo: number, hi: number) => Float32Array.from({ length: size }, () => lo + (hi - lo) * uniform());
        const lambda = draw(sample, 0.01, 0.99);
        const values: Values = {
          r: draw(batch * sample, -2, 2),
          noise: draw(batch * sample, -2, 2),
          dy: draw(batch * sample, -1, 1),
          lambda,
          oneMinusLambda: lambda.map((l) => 1 - l),
          mean: draw(sample, -0.5, 0.5),
          sigma: draw(sample, 0.5, 1.5),
          mask: masked ? Float32Array.from({ length: sample }, () => (uniform() < 0.5 ? 0 : 1)) : undefined,
        };
        const shape = [batch, sample];
        const tensors = {
          lambda: tf.tensor1d(values.lambda),
          oneMinusLambda: tf.tensor1d(values.oneMinusLambda),
          mean: tf.tensor1d(values.mean),
          sigma: tf.tensor1d(values.sigma),
          noise: tf.tensor2d(values.noise, [batch, sample]),
          mask: values.mask === undefined ? undefined : tf.tensor1d(values.mask),
        };
        const [r, dy] = [tf.tensor(values.r, shape), tf.tensor(values.dy, shape)];
        const expected = reference(values, batch, sample, term);
        await withEngine(engine, async () => {
          const y = bottleneckForward(r, tensors, term);
          const [dR, difference] = bottleneckBackward(r, tensors, dy, term);
          expectClose(await y.data(), expected.y, tolerance.value, expected.yScale);
          expectClose(await dR.data(), expected.dR, tolerance.value, expected.dRScale);
          // Σₙ gλ − Σₙ g₁₋λ: rounding relative to the magnitudes of both sums' terms.
          const expectedDifference = expected.gLambda.map((g, i) => g - (expected.gOneMinus[i] as number));
          const differenceScale = expected.gLambdaScale.map((s, i) => (s + (expected.gOneMinusScale[i] as number)) * batch);
          expectClose(await difference.data(), expectedDifference, tolerance.value, differenceScale);
          tf.dispose([y, dR, difference]);
        });
        tf.dispose([r, dy, ...(Object.values(tensors).filter((t) => t !== undefined) as tf.Tensor[])]);
      }),
      runs(60),
    );
  });
});
