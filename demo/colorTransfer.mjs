// Colour transfer with featstats, in pixel space: the style image's per-channel colour
// statistics (adain: mean and std) or its exact per-channel histograms (efdm) are given
// to the content image. Run with `npm run demo` (it builds dist/ first). Writes
//   docs/demo/colorTransfer.png  content | style | AdaIN | EFDM, side by side
//   docs/demo/histograms.svg     per-channel histograms of the four images (vega-lite)
// and prints the statistics each output achieves, measured on the unclipped outputs.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PNG } from 'pngjs';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

import { adain, efdm, meanStd } from '../dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const imagesDir = path.join(root, 'demo', 'images');
const outputDir = path.join(root, 'docs', 'demo');
const CHANNELS = ['R', 'G', 'B'];
const GUTTER = 4; // white pixels around and between the panels
const BIN_WIDTH = 1 / 32; // histogram bins, in pixel-value units ([0, 1] = 0..255)
const relative = (file) => path.relative(root, file);

/** Reads an 8-bit PNG into a float32 tensor [1, H, W, 3] with values in [0, 1] (alpha dropped). */
function readImage(file) {
  const png = PNG.sync.read(readFileSync(file));
  const rgb = new Float32Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    for (let k = 0; k < 3; k++) rgb[i * 3 + k] = png.data[i * 4 + k] / 255;
  }
  return tf.tensor4d(rgb, [1, png.height, png.width, 3]);
}

/** Per-channel mean and std of x [1, H, W, 3] from featstats' meanStd, as plain arrays. */
function channelStatistics(x) {
  // epsilon: 0 so that std is the plain population standard deviation of the pixels.
  const { mean, std } = meanStd(x, { unbiased: false, epsilon: 0 });
  const result = { mean: Array.from(mean.dataSync()), std: Array.from(std.dataSync()) };
  tf.dispose([mean, std]);
  return result;
}

/** Channel k of interleaved RGB data, sorted ascending (a typed array sorts numerically). */
function sortedChannel(data, k) {
  return data.filter((_, i) => i % 3 === k).sort();
}

/**
 * Sorted values resampled to n positions by linear interpolation at r·(L' − 1)/(n − 1),
 * EFDM's rule for a style of L' ≠ n positions (the identity when L' = n; the median when n = 1).
 */
function resampleSorted(sorted, n) {
  if (sorted.length === n) return sorted;
  return Float64Array.from({ length: n }, (_, r) => {
    const position = n === 1 ? (sorted.length - 1) / 2 : (r * (sorted.length - 1)) / (n - 1);
    const low = Math.floor(position);
    const high = Math.min(low + 1, sorted.length - 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
  });
}

/** Writes the panels [1, H, W, 3] (values clipped to [0, 1]) side by side, top-aligned, with white gutters. */
function writeStrip(panels, file) {
  const height = Math.max(...panels.map((p) => p.shape[1])) + 2 * GUTTER;
  const width = panels.reduce((sum, p) => sum + p.shape[2] + GUTTER, GUTTER);
  const png = new PNG({ width, height, colorType: 2 });
  png.data.fill(255);
  let left = GUTTER;
  for (const panel of panels) {
    const [, h, w] = panel.shape;
    const display = tf.tidy(() => tf.round(tf.mul(tf.clipByValue(panel, 0, 1), 255)));
    const pixels = display.dataSync();
    display.dispose();
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = ((y + GUTTER) * width + left + x) * 4;
        for (let k = 0; k < 3; k++) png.data[o + k] = pixels[(y * w + x) * 3 + k];
      }
    }
    left += w + GUTTER;
  }
  writeFileSync(file, PNG.sync.write(png, { colorType: 2, deflateLevel: 9 }));
  return { width, height };
}

/** Histogram rows {image, channel, value (bin centre), fraction of pixels} over bins covering every value. */
function histogramRows(images) {
  const smallest = Math.min(...images.map(({ data }) => data.reduce((a, b) => Math.min(a, b))));
  const largest = Math.max(...images.map(({ data }) => data.reduce((a, b) => Math.max(a, b))));
  const lowest = Math.min(0, Math.floor(smallest / BIN_WIDTH));
  const highest = Math.max(Math.round(1 / BIN_WIDTH), Math.ceil(largest / BIN_WIDTH));
  const rows = [];
  for (const { name, data } of images) {
    CHANNELS.forEach((channel, k) => {
      const counts = new Array(highest - lowest).fill(0);
      for (let i = k; i < data.length; i += 3) {
        // Clamp so that the value 1 falls in the last bin [1 − w, 1] rather than a new one.
        const bin = Math.min(highest - 1, Math.floor(data[i] / BIN_WIDTH)) - lowest;
        counts[bin]++;
      }
      const pixels = data.length / 3;
      counts.forEach((count, bin) =>
        rows.push({ image: name, channel, value: (bin + lowest + 0.5) * BIN_WIDTH, fraction: count / pixels }),
      );
    });
  }
  return { rows, domain: [lowest * BIN_WIDTH, highest * BIN_WIDTH] };
}

/** Renders the histograms as one panel per channel, one step line per image, to SVG. */
async function histogramSvg(images) {
  const { rows, domain } = histogramRows(images);
  const names = images.map((image) => image.name);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Per-channel histograms: content, style, and the content after AdaIN and EFDM colour transfer',
      subtitle:
        `Bins of width 1/${1 / BIN_WIDTH}; outputs before clipping to [0, 1]. ` +
        'EFDM (dashed) lies exactly on the style.',
      anchor: 'start',
    },
    data: { values: rows },
    facet: {
      column: {
        field: 'channel',
        type: 'nominal',
        sort: CHANNELS,
        title: null,
        header: { labelFontSize: 13, labelFontWeight: 'bold', labelExpr: "datum.value + ' channel'" },
      },
    },
    spec: {
      width: 250,
      height: 170,
      layer: [
        {
          // The displayable range [0, 1]: one light rule per bound and panel (aggregated per
          // channel first, so that each panel draws two rules rather than one per row).
          transform: [
            { aggregate: [{ op: 'count', as: 'rows' }], groupby: ['channel'] },
            { calculate: '[0, 1]', as: 'bound' },
            { flatten: ['bound'] },
          ],
          mark: { type: 'rule', color: '#bbb', strokeDash: [2, 2] },
          encoding: { x: { field: 'bound', type: 'quantitative' } },
        },
        {
          mark: { type: 'line', interpolate: 'step', strokeJoin: 'miter' },
          encoding: {
            x: {
              field: 'value',
              type: 'quantitative',
              title: 'pixel value',
              scale: { domain, nice: false },
              axis: { values: [0, 0.25, 0.5, 0.75, 1], format: '.2f' },
            },
            y: { field: 'fraction', type: 'quantitative', title: 'fraction of pixels', axis: { format: '.0%' } },
            color: {
              field: 'image',
              type: 'nominal',
              title: null,
              sort: names,
              scale: { domain: names, range: ['#7f7f7f', '#f28e2b', '#4e79a7', '#b6172b'] },
            },
            // One merged legend: colour, dash and width all encode the image. The style is
            // drawn wide under the dashed EFDM line, which covers it exactly.
            strokeDash: {
              field: 'image',
              type: 'nominal',
              title: null,
              sort: names,
              scale: { domain: names, range: [[1, 0], [1, 0], [1, 0], [4, 3]] },
            },
            strokeWidth: {
              field: 'image',
              type: 'nominal',
              title: null,
              sort: names,
              scale: { type: 'ordinal', domain: names, range: [1.5, 4, 1.5, 1.5] },
            },
          },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
    config: { background: 'white', legend: { orient: 'bottom', symbolStrokeWidth: 2.5 }, view: { stroke: '#ddd' } },
  };
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const format = (v) => (Math.abs(v) < 5e-5 ? 0 : v).toFixed(4).padStart(7);
const formatDifference = (v) => (v === 0 ? '0' : v.toExponential(1));

await tf.setBackend('cpu');
mkdirSync(outputDir, { recursive: true });
const contentFile = path.join(imagesDir, 'content.png');
const styleFile = path.join(imagesDir, 'style.png');
const content = readImage(contentFile);
const style = readImage(styleFile);
const adained = adain(content, style, { unbiased: false });
const matched = efdm(content, style);
const images = [
  { name: 'content', tensor: content },
  { name: 'style', tensor: style },
  { name: 'AdaIN', tensor: adained },
  { name: 'EFDM', tensor: matched },
].map((image) => ({ ...image, data: image.tensor.dataSync(), statistics: channelStatistics(image.tensor) }));
const byName = Object.fromEntries(images.map((image) => [image.name, image]));
const size = (tensor) => `${tensor.shape[2]}×${tensor.shape[1]}`;

console.log(`featstats colour transfer (tfjs-core ${tf.version_core}, backend ${tf.getBackend()})`);
console.log(`content ${relative(contentFile)} (${size(content)}), style ${relative(styleFile)} (${size(style)})`);
console.log('adain(content, style, { unbiased: false }), efdm(content, style), in RGB space, values in [0, 1]');
console.log('');
console.log('Per-channel mean and std of the unclipped outputs (meanStd, unbiased: false, epsilon: 0):');
console.log(`${'image'.padEnd(8)}${CHANNELS.map((c) => `${c} mean`.padStart(8) + `${c} std`.padStart(8)).join('  ')}`);
for (const { name, statistics } of images) {
  const cells = CHANNELS.map((_, k) => ` ${format(statistics.mean[k])} ${format(statistics.std[k])}`);
  console.log(`${name.padEnd(8)}${cells.join('  ')}`);
}
console.log('');

const largestGap = (name, key) =>
  Math.max(...CHANNELS.map((_, k) => Math.abs(byName[name].statistics[key][k] - byName.style.statistics[key][k])));
const notes = { AdaIN: " (adain's default ε = 1e-5 sits inside σ_c and σ_s)", EFDM: '' };
for (const name of ['AdaIN', 'EFDM']) {
  console.log(
    `${name} vs style: max |Δ mean| = ${formatDifference(largestGap(name, 'mean'))}, ` +
      `max |Δ std| = ${formatDifference(largestGap(name, 'std'))}${notes[name]}`,
  );
}
const contentPositions = content.shape[1] * content.shape[2];
const sameSize = contentPositions === style.shape[1] * style.shape[2];
const sortedGaps = CHANNELS.map((channel, k) => {
  const output = sortedChannel(byName.EFDM.data, k);
  const target = resampleSorted(sortedChannel(byName.style.data, k), contentPositions);
  const gap = output.reduce((largest, v, i) => Math.max(largest, Math.abs(v - target[i])), 0);
  return `${channel} ${formatDifference(gap)}`;
});
console.log(
  `EFDM: max |sorted(EFDM channel) − ${sameSize ? 'sorted(style channel)' : 'resampled sorted(style channel)'}| = ` +
    sortedGaps.join(', '),
);
const outside = (data) => data.filter((v) => v < 0 || v > 1).length / data.length;
console.log(
  `Values outside [0, 1] before clipping: AdaIN ${(100 * outside(byName.AdaIN.data)).toFixed(2)}%, ` +
    `EFDM ${(100 * outside(byName.EFDM.data)).toFixed(2)}%`,
);
console.log('');

const stripFile = path.join(outputDir, 'colorTransfer.png');
const strip = writeStrip([content, style, adained, matched], stripFile);
console.log(`wrote ${relative(stripFile)} (${strip.width}×${strip.height}: content | style | AdaIN | EFDM)`);
const chartFile = path.join(outputDir, 'histograms.svg');
writeFileSync(chartFile, await histogramSvg(images));
console.log(`wrote ${relative(chartFile)}`);

tf.dispose([content, style, adained, matched]);
if (tf.memory().numTensors !== 0) throw new Error(`demo leaked ${tf.memory().numTensors} tensors`);
