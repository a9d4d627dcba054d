// Consumer test (run by .ci/run): what a user gets from `npm install featstats`. Packs the
// package, installs the tarball into a scratch project under the system's temp folder
// (npm registry only, from the local cache where it can), and checks:
//   - plain Node ESM and CJS importing featstats with only tfjs-core and the cpu backend
//     (featstats' own gradients work; tfjs registers none);
//   - the README's Node training snippet, verbatim (ESM) and as CommonJS: training
//     through the user's own loss with `@tensorflow/tfjs`;
//   - featstats/layers in ESM and CJS: a tf.sequential model with its layers trains,
//     saves and loads back with identical predictions;
//   - one tfjs-core in the tree and no "Platform node has already been set" warning;
//   - TypeScript in strict mode with moduleResolution node16, nodenext and bundler;
//   - a Vite build of the README's bundler snippet and a featstats/layers model, run in
//     headless Chromium on webgl;
//   - a local-folder install: `npm install ../featstats` (a symlink) loads two copies of
//     tfjs-core (the control), `--install-links` as the README says loads one.
// Prints one line per check and exits non-zero if any failed. ~1–2 min on 2 cores.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const keep = process.argv.includes('--keep');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'featstats-consumer-'));
const app = path.join(scratch, 'app');
const CHROMIUM = process.env.FEATSTATS_CHROMIUM ?? '/usr/bin/chromium';
// As vitest.config.ts: SwiftShader gives WebGL2; the networking flags keep Chromium off the network.
const CHROMIUM_ARGS = ['--no-sandbox', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--disable-quic', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];
const DUPLICATE_WARNING = 'Platform node has already been set';

/** The version of a package installed in this repository (so the cache already holds it). */
const installed = (name) => require(`${name}/package.json`).version;

function run(command, args, cwd, { allowFailure = false } = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 && !allowFailure) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${output.slice(-4000)}`);
  return { status: result.status, output };
}

const npmInstall = (cwd, specs, flags = []) =>
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...flags, ...specs], cwd);

let failures = 0;
const results = [];
async function check(name, body) {
  const start = Date.now();
  try {
    await body();
    results.push(`ok   ${name} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failures++;
    results.push(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  console.log(results.at(-1));
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs a Node script in the app; fails on a non-zero exit or tfjs-core's duplicate-copy warning. */
function node(file, args = []) {
  const { output } = run(process.execPath, [...args, file], app);
  assert(!output.includes(DUPLICATE_WARNING), `${file} loaded two copies of tfjs-core:\n${output}`);
  return output;
}

/** The fenced code block that follows `<!-- consumer-test: name -->` in the README. */
function readmeBlock(name) {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- consumer-test: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (match === null) throw new Error(`README.md has no block marked <!-- consumer-test: ${name} -->`);
  return match[1];
}

/** Lines that check the README training snippet's `losses`: it must have trained. */
const TRAINED = `
if (!(losses.length >= 2 && losses.every(Number.isFinite) && losses.at(-1) < 0.9 * losses[0])) {
  throw new Error('the loss did not fall: ' + JSON.stringify(losses));
}
console.log('TRAINED', JSON.stringify([losses[0], losses.at(-1)]));`;

/** ESM → CJS for the README snippet: `import * as a from 'b'` and `import { c } from 'd'` become requires. */
function toCommonJs(code) {
  const body = code
    .replace(/^import \* as (\w+) from '([^']+)';/gm, "const $1 = require('$2');")
    .replace(/^import \{([^}]+)\} from '([^']+)';/gm, "const {$1} = require('$2');")
    .replace(/^import '([^']+)';/gm, "require('$1');");
  assert(!/^import /m.test(body), `an import the CJS rewrite does not handle:\n${body}`);
  return `(async () => {\n${body}\n})().catch((error) => { console.error(error); process.exit(1); });\n`;
}

// ---------------------------------------------------------------------------------------
console.log(`consumer test in ${scratch}`);
await check('npm pack and install the tarball with tfjs-core, tfjs, TypeScript and Vite', () => {
  const packed = run('npm', ['pack', '--pack-destination', scratch, '--loglevel=error'], root).output.trim().split('\n').at(-1);
  const tarball = path.join(scratch, packed);
  assert(existsSync(tarball), `npm pack wrote no ${tarball}`);
  const listing = run('tar', ['-tzf', tarball], scratch).output;
  const entries = ['index', 'layers'].flatMap((entry) => ['js', 'cjs', 'd.ts', 'd.cts'].map((extension) => `package/dist/${entry}.${extension}`));
  for (const file of [...entries, 'package/README.md']) {
    assert(listing.includes(file), `the tarball lacks ${file}`);
  }
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'featstats-consumer', private: true, type: 'module' }, null, 2));
  npmInstall(app, [
    tarball,
    `@tensorflow/tfjs@${installed('@tensorflow/tfjs-core')}`,
    ...['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', 'typescript', 'vite', '@types/node'].map((name) => `${name}@${installed(name)}`),
  ]);
});

await check('one copy of tfjs-core in the installed tree', () => {
  const copies = run('npm', ['ls', '@tensorflow/tfjs-core', '--all', '--parseable'], app).output.trim().split('\n').filter(Boolean);
  assert(new Set(copies).size === 1, `tfjs-core installed at ${copies.join(', ')}`);
});

const CORE_ONLY = (load) => `${load}
await tf.setBackend('cpu');
if (tf.getGradient('Sum') !== undefined) throw new Error('tfjs gradients are registered: this check needs tfjs-core alone');
const content = tf.randomNormal([2, 8, 8, 3]);
const style = tf.randomNormal([1, 6, 6, 3], 2, 3);
const out = featstats.adain(content, style);
if (out.shape.join() !== '2,8,8,3') throw new Error('adain shape ' + out.shape);
// featstats' ops carry their own gradients: differentiable with tfjs-core alone.
const [dContent, dStyle] = tf.grads((c, s) => featstats.efdm(c, s))([content, style]);
if (dContent.shape.join() !== '2,8,8,3' || dStyle.shape.join() !== '1,6,6,3') throw new Error('efdm gradient shapes');
const values = await featstats.probeAsync([(x) => featstats.instanceNorm(x)], content, (y) => featstats.channelVariance(y));
if (typeof values.loss !== 'number') throw new Error('probeAsync');
console.log('CORE OK', Object.keys(featstats).length);
`;
await check('Node ESM: import featstats with tfjs-core and the cpu backend only', () => {
  writeFileSync(path.join(app, 'core.mjs'), CORE_ONLY("import * as tf from '@tensorflow/tfjs-core';\nimport '@tensorflow/tfjs-backend-cpu';\nimport * as featstats from 'featstats';"));
  assert(node('core.mjs').includes('CORE OK'), 'no CORE OK line');
});
await check('Node CJS: require featstats with tfjs-core and the cpu backend only', () => {
  writeFileSync(path.join(app, 'core.cjs'), `(async () => {\n${CORE_ONLY("const tf = require('@tensorflow/tfjs-core');\nrequire('@tensorflow/tfjs-backend-cpu');\nconst featstats = require('featstats');")}\n})().catch((error) => { console.error(error); process.exit(1); });`);
  assert(node('core.cjs').includes('CORE OK'), 'no CORE OK line');
});

// featstats/layers in a tfjs-layers model: trains in fit, and a Keras-style model file with
// GroupNormalization round-trips through save and load once the entry is imported.
const LAYERS = (load) => `${load}
await tf.setBackend('cpu');
const model = tf.sequential({ layers: [
  tf.layers.dense({ inputShape: [4, 6], units: 6 }),
  new layers.GroupNormalization({ groups: 3 }),
  new layers.BatchNormalization(),
  tf.layers.flatten(),
  tf.layers.dense({ units: 2 }),
] });
model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
const x = tf.randomNormal([8, 4, 6]);
const history = await model.fit(x, tf.randomNormal([8, 2]), { epochs: 2, verbose: 0 });
if (!history.history.loss.every(Number.isFinite)) throw new Error('fit loss ' + history.history.loss);
let artifacts;
await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
// BatchNormalization is saved under Keras's (and tfjs-layers') class name: featstats' class
// loads for it with replaceBuiltins, so the predictions are the same computation.
layers.registerLayers({ replaceBuiltins: true });
const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
if (loaded.layers[1].getClassName() !== 'GroupNormalization') throw new Error('loaded ' + loaded.layers[1].getClassName());
const [a, b] = [model.predict(x).dataSync(), loaded.predict(x).dataSync()];
if (a.some((v, i) => v !== b[i])) throw new Error('predictions differ after save and load');
console.log('LAYERS OK');
`;
await check('Node ESM: featstats/layers in a tf.sequential model (fit, save, load) with @tensorflow/tfjs', () => {
  writeFileSync(path.join(app, 'layers.mjs'), LAYERS("import * as tf from '@tensorflow/tfjs';\nimport * as layers from 'featstats/layers';"));
  assert(node('layers.mjs').includes('LAYERS OK'), 'no LAYERS OK line');
});
await check('Node CJS: require featstats/layers (fit, save, load) with @tensorflow/tfjs', () => {
  writeFileSync(path.join(app, 'layers.cjs'), `(async () => {\n${LAYERS("const tf = require('@tensorflow/tfjs');\nconst layers = require('featstats/layers');")}\n})().catch((error) => { console.error(error); process.exit(1); });`);
  assert(node('layers.cjs').includes('LAYERS OK'), 'no LAYERS OK line');
});

await check("Node ESM: the README's training snippet (user loss through featstats, @tensorflow/tfjs)", () => {
  writeFileSync(path.join(app, 'train.mjs'), readmeBlock('node-training') + TRAINED);
  assert(node('train.mjs').includes('TRAINED'), 'no TRAINED line');
});
await check("Node CJS: the README's training snippet with require()", () => {
  writeFileSync(path.join(app, 'train.cjs'), toCommonJs(readmeBlock('node-training') + TRAINED));
  assert(node('train.cjs').includes('TRAINED'), 'no TRAINED line');
});

// A small consumer whose @ts-expect-error lines fail the compile if featstats' types were `any`.
const CONSUMER_TS = `import * as tf from '@tensorflow/tfjs-core';
import { adain, instanceNorm, probeAsync, type AdainOptions, type ProbeProgress, type ProbeValues } from 'featstats';

import { GroupNormalization, type GroupNormalizationArgs } from 'featstats/layers';

const options: AdainOptions = { alpha: 0.5, dataFormat: 'NHWC' };
const groupArgs: GroupNormalizationArgs = { groups: 4, epsilon: 1e-3 };
export const groupLayer = new GroupNormalization(groupArgs);
// @ts-expect-error groups is a number
new GroupNormalization({ groups: 'four' });
export const stylised: tf.Tensor = adain(tf.zeros([1, 4, 4, 3]), tf.ones([1, 4, 4, 3]), options);
// @ts-expect-error alpha is a number
adain(stylised, stylised, { alpha: 'half' });
// @ts-expect-error a misspelt option is a type error
instanceNorm(stylised, { epsilonn: 1e-3 });
// The ops keep their input's rank type, as tfjs's own ops: no cast before tf.conv2d.
const images: tf.Tensor4D = tf.zeros([1, 4, 4, 3]);
export const convolved: tf.Tensor4D = tf.conv2d(instanceNorm(images), tf.zeros([3, 3, 3, 2]) as tf.Tensor4D, 1, 'same');
export async function run(signal: AbortSignal): Promise<number> {
  const onStep = (progress: ProbeProgress): void => console.log(progress.phase, progress.step);
  const values: ProbeValues = await probeAsync([(x) => instanceNorm(x)], stylised, (y) => tf.mean(y), { onStep, signal });
  return values.loss;
}
`;
const CONSUMER_CTS = `import tf = require('@tensorflow/tfjs-core');
import featstats = require('featstats');
const out: tf.Tensor = featstats.adain(tf.zeros([1, 4, 4, 3]), tf.ones([1, 4, 4, 3]));
// @ts-expect-error sort takes no tensor as options
featstats.sort(out, out);
export = out;
`;
for (const resolution of ['node16', 'nodenext', 'bundler']) {
  await check(`TypeScript strict, moduleResolution ${resolution}`, () => {
    writeFileSync(path.join(app, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(path.join(app, 'consumer.cts'), CONSUMER_CTS);
    const module = resolution === 'bundler' ? 'esnext' : resolution;
    const config = {
      compilerOptions: {
        module, moduleResolution: resolution, target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true,
        exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, skipLibCheck: false,
      },
      // CommonJS consumers (import = require, index.d.cts) exist only under node16/nodenext.
      files: resolution === 'bundler' ? ['consumer.ts'] : ['consumer.ts', 'consumer.cts'],
    };
    writeFileSync(path.join(app, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2));
    const { status, output } = run(path.join(app, 'node_modules/.bin/tsc'), ['-p', `tsconfig.${resolution}.json`], app, { allowFailure: true });
    // tfjs-layers 4.22's own declarations do not compile under skipLibCheck: false
    // (LayersModel vs InferenceModel, PyJsonValue): every tfjs-layers user sees those, so
    // only errors in featstats' declarations or the consumer's code fail the check.
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    const ours = errors.filter((line) => !line.startsWith('node_modules/@tensorflow/'));
    assert(ours.length === 0 && (status === 0 || errors.length > 0), `tsc failed:\n${output}`);
  });
}

await check("Vite build of the README's bundler snippet and a featstats/layers model, run in headless Chromium on webgl", async () => {
  assert(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (sudo apt-get install chromium)`);
  const web = path.join(app, 'web');
  mkdirSync(web);
  // The bundler snippet's imports, then the Node snippet's code without its own imports.
  const training = readmeBlock('node-training').replace(/^import .*\n/gm, '');
  // Then featstats/layers in the same bundle: a GroupNormalization layer in a tfjs-layers
  // model, predicting on webgl (each group of a [1, 2, 2, 4] input normalised to mean 0).
  const layersPart = `
import * as tfl from '@tensorflow/tfjs-layers';
import { GroupNormalization } from 'featstats/layers';
const grouped = tfl.sequential({ layers: [new GroupNormalization({ inputShape: [2, 2, 4], groups: 2, center: false, scale: false })] });
const normalised = await grouped.predict(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 2, 2, 4])).data();
const groupMean = (g) => [0, 1, 2, 3].reduce((sum, p) => sum + normalised[p * 4 + 2 * g] + normalised[p * 4 + 2 * g + 1], 0) / 8;
window.__layers = { className: grouped.layers[0].getClassName(), means: [groupMean(0), groupMean(1)] };
`;
  const imports = (code) => code.split('\n').filter((line) => line.startsWith('import ')).join('\n');
  const body = (code) => code.split('\n').filter((line) => !line.startsWith('import ')).join('\n');
  const setup = readmeBlock('bundler-setup');
  const page = `${imports(setup)}\n${imports(layersPart)}\n${body(setup)}\n${training}\n${body(layersPart)}\nwindow.__result = { backend: tf.getBackend(), losses, layers: window.__layers };\n`;
  writeFileSync(path.join(web, 'main.js'), `${page}`);
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><meta charset="utf-8"><title>featstats consumer</title><script type="module" src="./main.js"></script>\n');
  run(path.join(app, 'node_modules/.bin/vite'), ['build', 'web', '--outDir', '../web-dist', '--emptyOutDir', '--logLevel', 'error'], app);
  const dist = path.join(app, 'web-dist');
  const server = http.createServer((request, response) => {
    const file = path.join(dist, new URL(request.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/$/, '/index.html'));
    if (!file.startsWith(dist) || !existsSync(file)) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { chromium } = await import('playwright');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const tab = await browser.newPage();
    // An uncaught error on the page (the snippet's top-level await rejecting) ends the wait.
    const failed = new Promise((_, reject) => tab.on('pageerror', (error) => reject(new Error(`page error: ${error}`))));
    failed.catch(() => {}); // handled by the race below, even when it fires during goto
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    const finished = tab.waitForFunction(() => window.__result, null, { timeout: 120_000 }).then((handle) => handle.jsonValue());
    const result = await Promise.race([finished, failed]);
    assert(result.backend === 'webgl', `ran on ${result.backend}, not webgl`);
    const { losses } = result;
    assert(losses.length >= 2 && losses.every(Number.isFinite) && losses.at(-1) < 0.9 * losses[0], `the loss did not fall: ${JSON.stringify(losses)}`);
    assert(result.layers?.className === 'GroupNormalization' && result.layers.means.every((m) => Math.abs(m) < 1e-5), `featstats/layers in the page: ${JSON.stringify(result.layers)}`);
  } finally {
    await browser.close();
    server.close();
  }
});

await check('local folder install: a symlink loads two tfjs-core copies; --install-links (the README) loads one', () => {
  const script = `${readmeBlock('node-training')}\nconsole.log('RAN');\n`;
  for (const [name, flags, expectDuplicate] of [['symlinked', [], true], ['install-links', ['--install-links'], false]]) {
    const dir = path.join(scratch, name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `featstats-${name}`, private: true, type: 'module' }));
    // The folder install uses the repository as it is, dist/ included (npm pack built it).
    npmInstall(dir, [root, `@tensorflow/tfjs@${installed('@tensorflow/tfjs-core')}`], flags);
    writeFileSync(path.join(dir, 'train.mjs'), script);
    const { output } = run(process.execPath, ['train.mjs'], dir);
    assert(output.includes('RAN'), `${name}: the snippet did not run:\n${output}`);
    const duplicate = output.includes(DUPLICATE_WARNING);
    // The control shows the check can see the problem; the documented install must not have it.
    assert(duplicate === expectDuplicate, `${name}: expected ${expectDuplicate ? 'the' : 'no'} duplicate-tfjs-core warning, got ${duplicate ? 'it' : 'none'}`);
  }
});

// ---------------------------------------------------------------------------------------
if (keep) console.log(`kept ${scratch}`);
else rmSync(scratch, { recursive: true, force: true });
const passed = results.filter((line) => line.startsWith('ok')).length;
console.log(`consumer test: ${passed} passed, ${failures} failed`);
if (failures > 0) process.exit(1);
