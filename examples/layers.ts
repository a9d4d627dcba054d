/**
 * featstats/layers in a tfjs-layers model trained with `model.fit`: a small CNN on the
 * 1 797 8×8 handwritten digits of the UCI set (examples/data/digits, CC BY 4.0), with
 * each normalization layer in turn — tfjs-layers' own BatchNormalization, and featstats'
 * BatchNormalization, GroupNormalization and InstanceNormalization — and no
 * normalization as a baseline. Same split, same initial weights (seeded), same
 * optimizer for every variant.
 *
 * Net: conv 3×3 (8) → norm → ReLU → conv 3×3 (16) → norm → ReLU → max-pool 2 → dense
 * 10 (softmax). Adam, learning rate 0.01, batch 32, 1 347 training and 450 test images.
 * Backend: cpu (tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so conv
 * layers cannot train there).
 *
 * Run: `npm run example:layers` (bundled with esbuild so tfjs-layers and its gradients
 * load in plain Node). Writes docs/layers/{results.json,table.md,accuracy.svg}.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

import { seededUniform } from '../src/_internal/random';
import { BatchNormalization, GroupNormalization, InstanceNormalization } from '../src/layers';

const EPOCHS = 5;
const BATCH = 32;
const TEST = 450;
const root = process.cwd();
const output = path.join(root, 'docs', 'layers');

type Variant = { name: string; norm: (() => tfl.layers.Layer) | null };

const variants: Variant[] = [
  { name: 'none', norm: null },
  { name: 'tfjs-layers BatchNormalization', norm: () => tfl.layers.batchNormalization() },
  { name: 'featstats BatchNormalization', norm: () => new BatchNormalization() },
  { name: 'featstats GroupNormalization (G=4)', norm: () => new GroupNormalization({ groups: 4 }) },
  { name: 'featstats InstanceNormalization', norm: () => new InstanceNormalization() },
];

/** The digits as [1797, 8, 8, 1] in [0, 1] and one-hot labels, split by a seeded shuffle. */
function loadDigits(): { train: [tf.Tensor, tf.Tensor]; test: [tf.Tensor, tf.Tensor] } {
  const bytes = readFileSync(path.join(root, 'examples', 'data', 'digits', 'digits.bin'));
  const count = bytes.length / 65;
  const order = Array.from({ length: count }, (_, i) => i);
  const uniform = seededUniform(1797);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const pixels = new Float32Array(count * 64);
  const labels = new Int32Array(count);
  order.forEach((source, target) => {
    for (let p = 0; p < 64; p++) pixels[target * 64 + p] = (bytes[source * 65 + p] as number) / 16;
    labels[target] = bytes[source * 65 + 64] as number;
  });
  const x = tf.tensor4d(pixels, [count, 8, 8, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
  const split = (t: tf.Tensor): [tf.Tensor, tf.Tensor] => [tf.slice(t, 0, count - TEST), tf.slice(t, count - TEST, TEST)];
  const [xTrain, xTest] = split(x);
  const [yTrain, yTest] = split(y);
  tf.dispose([x, y]);
  return { train: [xTrain, yTrain], test: [xTest, yTest] };
}

function buildModel(variant: Variant): tfl.Sequential {
  const norm = () => (variant.norm === null ? [] : [variant.norm()]);
  const conv = (filters: number, seed: number, inputShape?: number[]) =>
    tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed }), ...(inputShape ? { inputShape } : {}) });
  return tfl.sequential({
    layers: [
      conv(8, 1, [8, 8, 1]),
      ...norm(),
      tfl.layers.reLU(),
      conv(16, 2),
      ...norm(),
      tfl.layers.reLU(),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
}

type Row = { variant: string; epoch: number; loss: number; testAccuracy: number; seconds: number };

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const { train, test } = loadDigits();
  const rows: Row[] = [];
  for (const variant of variants) {
    const model = buildModel(variant);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    let started = performance.now();
    await model.fit(train[0], train[1], {
      epochs: EPOCHS,
      batchSize: BATCH,
      shuffle: false,
      verbose: 0,
      callbacks: {
        onEpochBegin: async () => {
          started = performance.now();
        },
        onEpochEnd: async (epoch, logs) => {
          const seconds = (performance.now() - started) / 1000;
          const [, accuracy] = model.evaluate(test[0], test[1], { batchSize: 150 }) as tf.Scalar[];
          rows.push({ variant: variant.name, epoch: epoch + 1, loss: logs?.['loss'] as number, testAccuracy: (await (accuracy as tf.Scalar).data())[0] as number, seconds });
          tf.dispose(accuracy as tf.Scalar);
        },
      },
    });
    const last = rows[rows.length - 1] as Row;
    console.log(`${variant.name}: test accuracy ${(100 * last.testAccuracy).toFixed(1)} % after ${EPOCHS} epochs`);
    model.dispose();
  }

  const table = [`| normalization | test accuracy (epoch 2) | test accuracy (epoch ${EPOCHS}) | time per epoch (median) |`, '|---|---|---|---|'];
  for (const variant of variants) {
    const mine = rows.filter((r) => r.variant === variant.name);
    const seconds = mine.map((r) => r.seconds).sort((a, b) => a - b);
    const median = seconds[Math.floor(seconds.length / 2)] as number;
    const accuracy = (epoch: number) => `${(100 * (mine.find((r) => r.epoch === epoch)?.testAccuracy ?? Number.NaN)).toFixed(1)} %`;
    table.push(`| ${variant.name} | ${accuracy(2)} | ${accuracy(EPOCHS)} | ${median.toFixed(2)} s |`);
  }
  console.log(table.join('\n'));
  mkdirSync(output, { recursive: true });
  const meta = { backend: tf.getBackend(), epochs: EPOCHS, batchSize: BATCH, train: (train[0].shape[0] as number), test: TEST, node: process.version };
  writeFileSync(path.join(output, 'results.json'), `${JSON.stringify({ ...meta, rows }, null, 2)}\n`);
  writeFileSync(path.join(output, 'table.md'), `<!-- generated by npm run example:layers; do not edit -->\n${table.join('\n')}\n`);
  const spec: vegaLite.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'UCI digits, small CNN: test accuracy by epoch',
    width: 420,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
      y: { field: 'testAccuracy', type: 'quantitative', title: 'test accuracy', scale: { zero: false } },
      color: { field: 'variant', type: 'nominal', sort: variants.map((v) => v.name), title: null, legend: { labelLimit: 300 } },
    },
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  writeFileSync(path.join(output, 'accuracy.svg'), await view.toSVG());
  view.finalize();
  console.log(`wrote ${path.relative(root, output)}/{results.json,table.md,accuracy.svg}`);
  tf.dispose([...train, ...test]);
}

await main();
