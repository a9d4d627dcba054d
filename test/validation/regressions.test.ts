/**
 * One regression test per class of defect issue 18 found (and those the generated-input
 * suite found after it), each with its exact message, on every backend. The generated
 * suite (fuzz.test.ts) covers the classes at large; these pin the reported cases.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

import {
  adain,
  adversarialMeanStd,
  argsort,
  batchNorm,
  channelVariance,
  cosineSimilarityMatrix,
  efdmix,
  gaussianBlur,
  gaussianNoise,
  getFastPaths,
  ibaAttribution,
  ieContraAstIds,
  informationBottleneck,
  instanceNorm,
  layerNorm,
  meanStd,
  perturbMeanStd,
  probe,
  randomMask,
  setFastPaths,
  sort,
  WelfordEstimator,
  type IbaAttributionOptions,
} from '../../src';
import { expectNoLeak, expectThrowsWithoutLeak, readAndDispose } from '../helpers/assert';
import { describeBackends } from '../helpers/backends';

const TENSOR = 'must be a tensor or a rectangular nested array of numbers but got';

/** The backend still computes (after a call that once overran the wasm heap). */
async function expectBackendWorks(): Promise<void> {
  expect(Array.from(await readAndDispose(sort(tf.tensor1d([3, 1, 2]))))).toEqual([1, 2, 3]);
}

/** An IBA problem whose options are all valid (no call here gets as far as optimising); the caller disposes its tensors. */
function ibaProblem(): IbaAttributionOptions {
  return {
    features: tf.ones([1, 3, 3, 2]),
    head: (f) => f,
    target: 0,
    mean: tf.zeros([3, 3, 2]),
    std: tf.ones([3, 3, 2]),
    steps: 1,
    batchSize: 1,
  };
}

describeBackends('validation regressions', () => {
  it('rejects missing and non-tensor arguments with a featstats error, not tfjs\'s', async () => {
    const x = tf.ones([2, 3, 3, 2]);
    await expectThrowsWithoutLeak(() => meanStd(null as never), new RegExp(`^featstats\\.meanStd: x ${TENSOR} null$`));
    await expectThrowsWithoutLeak(() => adain(undefined as never, x), new RegExp(`^featstats\\.adain: content ${TENSOR} undefined$`));
    await expectThrowsWithoutLeak(() => instanceNorm(x, { gamma: null as never }), /^featstats\.instanceNorm: gamma must be given a value or left out but got null$/);
    await expectThrowsWithoutLeak(() => sort({} as never), new RegExp(`^featstats\\.sort: x ${TENSOR} an object$`));
    await expectThrowsWithoutLeak(() => meanStd(new Float64Array(8) as never), new RegExp(`^featstats\\.meanStd: x ${TENSOR} a Float64Array$`));
    await expectThrowsWithoutLeak(() => meanStd({ dataId: {}, shape: [2, 2, 2] } as never), new RegExp(`^featstats\\.meanStd: x ${TENSOR} a tensor of another copy of @tensorflow/tfjs-core$`));
    // perturbMeanStd's scales are required (undefined reached tf.customGrad before).
    await expectThrowsWithoutLeak(() => tf.tidy(() => perturbMeanStd(x, undefined as never, tf.ones([2]))), new RegExp(`^featstats\\.perturbMeanStd: meanScale ${TENSOR} undefined$`));
    x.dispose();
  });

  it('rejects ragged and non-numeric nested arrays before tfjs sees them, and the backend keeps working', async () => {
    const ragged = new RegExp(`^featstats\\.(sort|cosineSimilarityMatrix): x ${TENSOR} a ragged array: x\\[1\\] has length 1, expected 2$`);
    await expectThrowsWithoutLeak(() => sort([[1, 2], [3]] as never), ragged);
    await expectThrowsWithoutLeak(() => cosineSimilarityMatrix([[1, 2], [3]] as never), ragged);
    // Nested booleans are rejected as a bool tensor is (tfjs would read them as 0/1 float32).
    await expectThrowsWithoutLeak(() => cosineSimilarityMatrix([[true, false], [true, true]] as never), new RegExp(`^featstats\\.cosineSimilarityMatrix: x ${TENSOR} true at x\\[0\\]\\[0\\]$`));
    const bools = tf.tensor2d([[1, 0], [1, 1]], undefined, 'bool');
    await expectThrowsWithoutLeak(() => cosineSimilarityMatrix(bools), /^featstats\.cosineSimilarityMatrix: x must be a float32 or int32 tensor but got bool \(shape \[2,2\]\)$/);
    bools.dispose();
    await expectThrowsWithoutLeak(() => sort([1, [2]] as never), new RegExp(`^featstats\\.sort: x ${TENSOR} \\[2\\] at x\\[1\\]$`));
    const cycle: unknown[] = [];
    cycle.push(cycle);
    await expectThrowsWithoutLeak(() => sort(cycle as never), /^featstats\.sort: x must be a tensor or a rectangular nested array of numbers of rank <= 32 but got deeper nesting$/);
    await expectBackendWorks();
  });

  it('checks function arguments with typeof and booleans strictly', async () => {
    const x = tf.ones([2, 3, 3, 2]);
    await expectThrowsWithoutLeak(() => adversarialMeanStd(x, null as never), /^featstats\.adversarialMeanStd: loss must be a function but got null$/);
    await expectThrowsWithoutLeak(() => probe([(t) => t], x, null as never), /^featstats\.probe: loss must be a function but got null$/);
    await expectThrowsWithoutLeak(() => ibaAttribution(undefined as never), /^featstats\.ibaAttribution: options must be an object but got undefined$/);
    await expectThrowsWithoutLeak(() => tf.tidy(() => ibaAttribution({ ...ibaProblem(), head: 'f' as never })), /^featstats\.ibaAttribution: head must be a function but got "f"$/);
    expect(getFastPaths()).toBe(true);
    expect(() => setFastPaths('yes' as never)).toThrow(/^featstats\.setFastPaths: enabled must be a boolean but got "yes"$/);
    expect(() => setFastPaths(0 as never)).toThrow(/^featstats\.setFastPaths: enabled must be a boolean but got 0$/);
    expect(getFastPaths()).toBe(true);
    // A tensor in a message prints as its dtype and shape, on one line (String(tensor) spans lines).
    expect(() => argsort(tf.tensor1d([1, 2]), { descending: tf.scalar(1) as never })).toThrow(/^featstats\.argsort: descending must be a boolean but got a float32 tensor of shape \[\]$/);
    x.dispose();
  });

  it('validates ibaAttribution\'s imageSize as positive integers before allocating, and the backend keeps working', async () => {
    for (const [imageSize, got] of [[[-1, 2], '\\[-1,2\\]'], [[2.5, 2], '\\[2\\.5,2\\]'], [[0, 2], '\\[0,2\\]'], [['2', 2], '\\["2",2\\]'], [[2], '\\[2\\]']] as const) {
      const problem = ibaProblem();
      await expectThrowsWithoutLeak(
        () => ibaAttribution({ ...problem, imageSize: imageSize as never }),
        new RegExp(`^featstats\\.ibaAttribution: imageSize must be \\[height, width\\] of positive integers but got ${got}$`),
      );
      tf.dispose([problem.features as tf.Tensor, problem.mean as tf.Tensor, problem.std as tf.Tensor]);
    }
    await expectBackendWorks();
  });

  it('applies one seed rule everywhere: integers in [−2³¹, 2³² − 1], read as 32 bits', async () => {
    const x = tf.ones([2, 2, 2, 1]);
    const seedError = (op: string, got: string) => new RegExp(`^featstats\\.${op}: seed must be an integer >= -2147483648 and <= 4294967295 but got ${got}$`);
    const bottleneckOptions = { mean: tf.zeros([2, 2, 1]), std: tf.ones([2, 2, 1]) };
    const alpha = tf.zeros([2, 2, 1]);
    await expectThrowsWithoutLeak(() => informationBottleneck(x, alpha, { ...bottleneckOptions, seed: 1.5 }), seedError('informationBottleneck', '1\\.5'));
    await expectThrowsWithoutLeak(() => tf.tidy(() => ibaAttribution({ ...ibaProblem(), seed: 1.5 })), seedError('ibaAttribution', '1\\.5'));
    await expectThrowsWithoutLeak(() => efdmix(x, { seed: 1.5 }), seedError('efdmix', '1\\.5'));
    await expectThrowsWithoutLeak(() => randomMask(x, { fraction: 0.5, seed: 2 ** 32 }), seedError('randomMask', '4294967296'));
    await expectThrowsWithoutLeak(() => gaussianNoise(x, { std: 1, seed: -(2 ** 31) - 1 }), seedError('gaussianNoise', '-2147483649'));
    // −1 and 2³² − 1 are the same 32 bits, so they draw the same; and seed 0 reproduces
    // (tfjs's randomNormal takes 0 for "no seed").
    const draw = async (seed: number) => [
      ...(await readAndDispose(efdmix(tf.randomNormal([4, 3, 3, 2], 0, 1, 'float32', 1), { p: 1, seed }))),
      ...(await readAndDispose(randomMask(tf.ones([2, 4, 4, 1]), { fraction: 0.5, seed }))),
      ...(await readAndDispose(informationBottleneck(x, alpha, { ...bottleneckOptions, seed }).output)),
    ];
    expect(await draw(-1)).toEqual(await draw(2 ** 32 - 1));
    expect(await draw(0)).toEqual(await draw(0));
    tf.dispose([x, alpha, bottleneckOptions.mean, bottleneckOptions.std]);
  });

  it('names ibaAttribution, the entry point called, in errors about its bottleneck options', async () => {
    const problem = ibaProblem();
    await expectThrowsWithoutLeak(() => ibaAttribution({ ...problem, minStd: 0 }), /^featstats\.ibaAttribution: minStd must be a finite number > 0 but got 0$/);
    await expectThrowsWithoutLeak(() => ibaAttribution({ ...problem, smoothSigma: -1 }), /^featstats\.ibaAttribution: smoothSigma must be a finite number >= 0 but got -1$/);
    const wrong = tf.zeros([3, 2]);
    await expectThrowsWithoutLeak(() => ibaAttribution({ ...problem, mean: wrong }), /^featstats\.ibaAttribution: mean must have one sample's shape \[3,3,2\] but got \[3,2\]$/);
    // A head of one class: the softmax of one logit is constant (tfjs's oneHot threw).
    await expectThrowsWithoutLeak(() => ibaAttribution({ ...problem, head: () => tf.zeros([1, 1]) }), /^featstats\.ibaAttribution: head must return float32 logits \[1, classes\] with classes >= 2 and > target but got \[1,1\]$/);
    tf.dispose([wrong, problem.features as tf.Tensor, problem.mean as tf.Tensor, problem.std as tf.Tensor]);
  });

  it('leaves a WelfordEstimator unchanged by a failing update or merge', async () => {
    const estimator = new WelfordEstimator();
    const disposed = tf.ones([2, 3]);
    disposed.dispose();
    await expect(estimator.update(disposed)).rejects.toThrow(/^featstats\.WelfordEstimator\.update: batch must be a live tensor but got a disposed one$/);
    await expect(estimator.update(tf.zeros([0, 3]))).rejects.toThrow(/^featstats\.WelfordEstimator\.update: batch must not be empty but got shape \[0,3\]$/);
    // The sample shape is still free: a batch of another shape is taken.
    await estimator.update([[1, 2, 3, 4], [3, 2, 1, 0]]);
    expect(estimator.count).toBe(2);
    expect(() => estimator.merge(null as never)).toThrow(/^featstats\.WelfordEstimator\.merge: other must be a WelfordEstimator but got null$/);
    expect(() => estimator.merge({} as never)).toThrow(/^featstats\.WelfordEstimator\.merge: other must be a WelfordEstimator but got an object$/);
    const other = new WelfordEstimator();
    await other.update([[1, 2]]);
    expect(() => estimator.merge(other)).toThrow(/^featstats\.WelfordEstimator\.merge: other must have samples of shape \[4\] but got \[2\]$/);
    expect(estimator.count).toBe(2);
    expect(Array.from(await readAndDispose(estimator.mean()))).toEqual([2, 2, 2, 2]);
  });

  it('leaves batchNorm\'s moving statistics untouched by every throwing call', async () => {
    const x = tf.randomNormal([4, 3, 3, 2], 1, 2, 'float32', 7);
    const [movingMean, movingVariance] = tf.tidy(() => [tf.variable(tf.tensor1d([0.5, -1]), false), tf.variable(tf.tensor1d([2, 3]), false)]);
    const moving = { training: true, movingMean, movingVariance };
    for (const [call, message] of [
      [() => batchNorm(x, { ...moving, gamma: tf.ones([3]) }), /^featstats\.batchNorm: gamma must have shape \[2\] but got \[3\]$/],
      [() => batchNorm(x, { ...moving, momentum: Number.NaN }), /^featstats\.batchNorm: momentum must be a finite number >= 0 and <= 1 but got NaN$/],
      [() => batchNorm(tf.ones([1, 1, 1, 2]), moving), /^featstats\.batchNorm: x must have more than one value per channel when training but got shape \[1,1,1,2\]$/],
      [() => batchNorm(x, { ...moving, beta: null as never }), /^featstats\.batchNorm: beta must be given a value or left out but got null$/],
      // One Variable for both statistics: the second update would overwrite the first.
      [() => batchNorm(x, { ...moving, movingVariance: movingMean }), /^featstats\.batchNorm: movingVariance must be a different tf\.Variable from movingMean \(both are updated\) but got the same one$/],
    ] as const) {
      await expectThrowsWithoutLeak(() => tf.tidy(call), message);
      expect(Array.from(await movingMean.data())).toEqual([0.5, -1]);
      expect(Array.from(await movingVariance.data())).toEqual([2, 3]);
    }
    tf.dispose([x, movingMean, movingVariance]);
  });

  it('rejects option values and option objects that used to be taken silently', async () => {
    const x = tf.ones([2, 3, 3, 2]);
    await expectThrowsWithoutLeak(() => meanStd(x, { epsilon: null as never }), /^featstats\.meanStd: epsilon must be given a value or left out but got null$/);
    await expectThrowsWithoutLeak(() => meanStd(x, new Map() as never), /^featstats\.meanStd: options must be an object but got a Map$/);
    await expectThrowsWithoutLeak(() => channelVariance(x, new Date(0) as never), /^featstats\.channelVariance: options must be an object but got a Date$/);
    // Holes in sparse arrays, which every() and forEach() skip (layerNorm's reached tfjs's transpose).
    await expectThrowsWithoutLeak(() => layerNorm(x, { axes: [, 1] as never }), /^featstats\.layerNorm: axes must be distinct integers in \[-4, 4\) but got \[,1\] \(x \[2,3,3,2\]\)$/); // eslint-disable-line no-sparse-arrays
    await expectThrowsWithoutLeak(() => probe([(t: tf.Tensor) => t, , (t: tf.Tensor) => t] as never, x, (y) => y), /^featstats\.probe: layers\[1\] must be a function or have an apply method but got undefined$/); // eslint-disable-line no-sparse-arrays
    // Sizes beyond what could be allocated (a RangeError from tfjs or the host before).
    expect(() => ieContraAstIds(2 ** 32)).toThrow(/^featstats\.ieContraAstIds: half must be an integer >= 2 and <= 65536 but got 4294967296$/);
    await expectThrowsWithoutLeak(() => gaussianBlur(x, { kernelSize: 2 ** 32 + 1, sigma: 1 }), /^featstats\.gaussianBlur: kernelSize must be a positive odd integer <= 65535 but got 4294967297$/);
    x.dispose();
  });

  it('rejects callbacks that cannot be differentiated with a featstats error, freeing what the failed pass taped', async () => {
    const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 3);
    const differentiable = (op: string, arg: string) => new RegExp(`^featstats\\.${op}: ${arg} must be differentiable \\(tfjs ops need tfjs's gradients registered\\) but got: Cannot compute gradient of y=f\\(x\\) with respect to x\\.`);
    // Losses that do not depend on their input: tfjs's gradient fails after taping the call.
    await expectThrowsWithoutLeak(() => adversarialMeanStd(x, () => tf.scalar(0)), differentiable('adversarialMeanStd', 'loss'));
    await expectThrowsWithoutLeak(() => probe([(t) => instanceNorm(t)], x, () => tf.scalar(0)), differentiable('probe', 'layers and loss'));
    await expectThrowsWithoutLeak(() => adversarialMeanStd(x, () => tf.scalar(1, 'int32')), /^featstats\.adversarialMeanStd: loss must return a float32 scalar tensor but got an int32 tensor of shape \[\]$/);
    // probe's activations must suit its probes: the error names probe, not activationSimilarity.
    await expectThrowsWithoutLeak(() => probe([() => tf.ones([1, 3])], x, (y) => y), /^featstats\.probe: layers\[0\] must return float32 activations \[N, \.\.\.\] with N >= 2 and no empty dimension but got a float32 tensor of shape \[1,3\]$/);
    await expectNoLeak(() => tf.dispose(probe([(t) => instanceNorm(t)], x, (y) => channelVariance(y))));
    x.dispose();
  });
});
