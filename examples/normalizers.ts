/**
 * Reproduces the central probe of "Beyond BatchNorm" (Lubana, Dick, Tanaka, NeurIPS 2021):
 * in a randomly initialised deep plain conv net (no training), how similar do the
 * activations of different samples become with depth, and how large is the first
 * layer's gradient, for each normaliser?
 *
 * Net: 12 blocks of 3×3 conv (16 channels, Kaiming-normal, no bias) → norm → ReLU, then
 * global average pooling and a linear head with softmax cross-entropy on fixed random
 * labels. Input: 32 crops of 32×32 from the demo images, scaled to [0, 1] and
 * standardised per channel. The same weights serve every normaliser.
 *
 * Run: `npm run example:normalizers` (bundled with esbuild so that tfjs's own gradients,
 * which the conv layers need, load in plain Node). Writes docs/normalizers/.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

import { batchNorm, groupNorm, instanceNorm, probe, type ProbeLayer } from '../src';
import { seededUniform } from '../src/_internal/random';

const DEPTH = 12;
const WIDTH = 16;
const CROPS = 32;
const CROP = 32;
const CLASSES = 10;
const root = process.cwd();
const output = path.join(root, 'docs', 'normalizers');

/** 32 random 32×32 RGB crops from the PNGs in demo/images, as [N, H, W, 3] in [0, 1]. */
function loadCrops(): tf.Tensor4D {
  const directory = path.join(root, 'demo', 'images');
  const images = readdirSync(directory)
    .filter((name) => name.endsWith('.png'))
    .sort()
    .map((name) => PNG.sync.read(readFileSync(path.join(directory, name))));
  const uniform = seededUniform(2021);
  const data = new Float32Array(CROPS * CROP * CROP * 3);
  for (let n = 0; n < CROPS; n++) {
    const image = images[n % images.length] as PNG;
    const top = Math.floor(uniform() * (image.height - CROP));
    const left = Math.floor(uniform() * (image.width - CROP));
    for (let y = 0; y < CROP; y++) {
      for (let x = 0; x < CROP; x++) {
        for (let c = 0; c < 3; c++) {
          data[((n * CROP + y) * CROP + x) * 3 + c] = (image.data[((top + y) * image.width + left + x) * 4 + c] as number) / 255;
        }
      }
    }
  }
  return tf.tensor4d(data, [CROPS, CROP, CROP, 3]);
}

type Normalizer = { name: string; apply: (x: tf.Tensor) => tf.Tensor };

const normalizers: Normalizer[] = [
  { name: 'BatchNorm', apply: (x) => batchNorm(x) },
  { name: 'LayerNorm (GN, G=1)', apply: (x) => groupNorm(x, { groups: 1 }) },
  { name: 'GroupNorm G=2', apply: (x) => groupNorm(x, { groups: 2 }) },
  { name: 'GroupNorm G=4', apply: (x) => groupNorm(x, { groups: 4 }) },
  { name: 'GroupNorm G=8', apply: (x) => groupNorm(x, { groups: 8 }) },
  { name: 'InstanceNorm', apply: (x) => instanceNorm(x) },
];

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const input = tf.tidy(() => {
    const crops = loadCrops();
    const { mean, variance } = tf.moments(crops, [0, 1, 2]);
    return tf.div(tf.sub(crops, mean), tf.sqrt(tf.add(variance, 1e-5))) as tf.Tensor4D;
  });
  const kernels = Array.from({ length: DEPTH }, (_, k) => {
    const inChannels = k === 0 ? 3 : WIDTH;
    return tf.randomNormal([3, 3, inChannels, WIDTH], 0, Math.sqrt(2 / (9 * inChannels)), 'float32', 100 + k) as tf.Tensor4D;
  });
  const head = tf.randomNormal([WIDTH, CLASSES], 0, Math.sqrt(1 / WIDTH), 'float32', 7) as tf.Tensor2D;
  const uniform = seededUniform(7);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: CROPS }, () => Math.floor(uniform() * CLASSES)), 'int32'), CLASSES);
  const loss = (features: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, tf.matMul(tf.mean(features, [1, 2]), head)) as tf.Scalar;

  const rows: { normalizer: string; depth: number; similarity: number; gradientNorm: number }[] = [];
  for (const normalizer of normalizers) {
    const layers: ProbeLayer[] = kernels.map((kernel) => (x: tf.Tensor) => tf.relu(normalizer.apply(tf.conv2d(x as tf.Tensor4D, kernel, 1, 'same'))));
    const result = probe(layers, input, loss);
    for (const [k, layer] of result.layers.entries()) {
      rows.push({ normalizer: normalizer.name, depth: k + 1, similarity: (await layer.similarity.data())[0] as number, gradientNorm: (await layer.gradientNorm.data())[0] as number });
    }
    tf.dispose([result.loss, ...result.layers.flatMap((l) => [l.similarity, l.variance, l.stableRank, l.gradientNorm])]);
  }

  const depths = [1, 2, 3, 4, 6, 8, 10, 12];
  const header = `| normaliser | ${depths.map((d) => `sim@${d}`).join(' | ')} | ‖∂L/∂a₁‖ |`;
  const table = [header, `|---|${depths.map(() => '---|').join('')}---|`];
  for (const normalizer of normalizers) {
    const mine = rows.filter((r) => r.normalizer === normalizer.name);
    const similarity = depths.map((d) => (mine.find((r) => r.depth === d)?.similarity ?? Number.NaN).toFixed(3));
    table.push(`| ${normalizer.name} | ${similarity.join(' | ')} | ${(mine[0]?.gradientNorm ?? Number.NaN).toExponential(2)} |`);
  }
  console.log('activation similarity (mean cosine between samples) by depth, and first-layer gradient norm');
  console.log(table.join('\n'));

  mkdirSync(output, { recursive: true });
  writeFileSync(path.join(output, 'results.json'), `${JSON.stringify({ depth: DEPTH, width: WIDTH, crops: CROPS, crop: CROP, rows }, null, 2)}\n`);
  writeFileSync(path.join(output, 'table.md'), `<!-- generated by npm run example:normalizers; do not edit -->\n${table.join('\n')}\n`);
  await writeChart(rows);
  console.log(`wrote ${path.relative(root, output)}/{results.json,table.md,similarity.svg,gradients.svg}`);
  tf.dispose([input, head, labels, ...kernels]);
}

async function writeChart(rows: { normalizer: string; depth: number; similarity: number; gradientNorm: number }[]): Promise<void> {
  const render = async (spec: vegaLite.TopLevelSpec, file: string) => {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    writeFileSync(path.join(output, file), await view.toSVG());
    view.finalize();
  };
  const color = { field: 'normalizer', type: 'nominal', sort: normalizers.map((n) => n.name), title: null } as const;
  const byBlock = (title: string, field: string, yTitle: string, log: boolean): vegaLite.TopLevelSpec => ({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'depth', type: 'quantitative', title: 'block' },
      y: { field, type: 'quantitative', title: yTitle, ...(log ? { scale: { type: 'log' } } : {}) },
      color,
    },
  });
  await render(byBlock('Activation similarity with depth (random init, 32 crops)', 'similarity', 'mean cosine similarity between samples', false), 'similarity.svg');
  await render(byBlock('Gradient norm ‖∂L/∂aₖ‖ by block', 'gradientNorm', 'Frobenius norm (log scale)', true), 'gradients.svg');
}

await main();
