// Tree-shaking check (run by .ci/run after `npm run build`): bundle a consumer that
// imports one op from the built package, with tfjs external, and fail if code of any
// other op is present. Each op file names itself in one constant (`const OP = 'efdm'`),
// so the presence of another op's name string means its code was bundled. Also bundles
// a bare `import 'featstats'`, which must come out empty: the package has no import-time
// side effects, so "sideEffects": false is true.
import { build } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'index.js');
// The ops are the package's exports: every function and class it exports, except the
// fast-path switches, which belong to no op. Constants (MEAN_STD_EPSILON, …) are not ops.
const NOT_OPS = new Set(['setFastPaths', 'getFastPaths']);
const ops = Object.entries(await import(pathToFileURL(entry).href))
  .filter(([name, value]) => typeof value === 'function' && !NOT_OPS.has(name))
  .map(([name]) => name);

async function bundle(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    external: ['@tensorflow/*'],
    treeShaking: true,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

// Ops built on other public ops may (and must) carry them.
const dependsOn = {
  adversarialMeanStd: ['perturbMeanStd'],
  ibaAttribution: ['informationBottleneck'],
  probe: ['activationSimilarity', 'channelVariance', 'stableRank'],
  // An async driver runs its synchronous op's steps.
  ibaAttributionAsync: ['ibaAttribution', 'informationBottleneck'],
  adversarialMeanStdAsync: ['adversarialMeanStd', 'perturbMeanStd'],
  probeAsync: ['probe', 'activationSimilarity', 'channelVariance', 'stableRank'],
};

// Kernel families: an op carries the host code of the fused kernels it dispatches to and
// not the other family's, which embeds a WebAssembly module of a few KB (found by a
// stretch of the module's base64 from its generated file, past the common header).
const moduleText = (name) => readFileSync(path.join(root, 'src/_internal/kernels/host/compiled', `${name}Binary.ts`), 'utf8').match(/'([A-Za-z0-9+/=]{96})'/g)[2].slice(1, 65);
const sortModule = moduleText('radixSort');
const statsModule = moduleText('planeSweeps');
const foreignModules = Object.fromEntries([
  ...['sort', 'argsort', 'efdm', 'efdmix'].map((op) => [op, { 'the statistics module': statsModule }]),
  ...['meanStd', 'adain', 'instanceNorm', 'groupNorm', 'layerNorm', 'batchNorm'].map((op) => [op, { 'the sort module': sortModule }]),
]);

let failures = 0;
const rows = [];
for (const op of ops) {
  const code = await bundle(`import { ${op} } from ${JSON.stringify(entry)};\nexport default ${op};\n`);
  const present = ops.filter((name) => code.includes(`"featstats.${name}"`) || new RegExp(`= "${name}";`).test(code));
  const foreign = present.filter((name) => name !== op && !(dependsOn[op] ?? []).includes(name));
  if (!present.includes(op)) {
    console.error(`FAIL ${op}: its own code is missing from the bundle (is the marker still \`const OP = '${op}'\`?)`);
    failures++;
  }
  if (foreign.length > 0) {
    console.error(`FAIL ${op}: the bundle also contains ${foreign.join(', ')}`);
    failures++;
  }
  const modules = Object.entries(foreignModules[op] ?? {}).filter(([, hash]) => code.includes(hash)).map(([name]) => name);
  if (modules.length > 0) {
    console.error(`FAIL ${op}: the bundle also contains ${modules.join(', ')}`);
    failures++;
  }
  const minified = await build({ stdin: { contents: code, loader: 'js' }, write: false, minify: true, format: 'esm', logLevel: 'silent' });
  const bytes = minified.outputFiles[0].contents;
  rows.push({ op, bytes: bytes.length, gzip: gzipSync(bytes).length, foreign: foreign.join(', ') || '-', code });
}

// The main entry never imports tfjs-layers: not in any single-op bundle (above) nor in a
// bundle of every export.
const everything = await bundle(`export * from ${JSON.stringify(entry)};\n`);
for (const [name, code] of [['every export of featstats', everything], ...rows.map((row) => [row.op, row.code])]) {
  if (code.includes('@tensorflow/tfjs-layers')) {
    console.error(`FAIL ${name}: the bundle imports @tensorflow/tfjs-layers (only featstats/layers may)`);
    failures++;
  }
}
for (const row of rows) delete row.code;

// featstats/layers registers its classes on import (its declared side effect), so a bare
// import carries every layer class; all of its exports together carry the ops they wrap,
// and nothing else.
const layersEntry = path.join(root, 'dist', 'layers.js');
const layersCode = await bundle(`export * from ${JSON.stringify(layersEntry)};\n`);
const layersImportOnly = await bundle(`import ${JSON.stringify(layersEntry)};\n`);
const wrapped = ['adain', 'efdm', 'efdmix', 'layerNorm', 'meanStd', 'perturbMeanStd', 'adversarialMeanStd', 'informationBottleneck', 'ibaAttribution'];
const layersOps = ops.filter((name) => layersCode.includes(`"featstats.${name}"`) || new RegExp(`= "${name}";`).test(layersCode));
const unexpected = layersOps.filter((name) => !wrapped.includes(name));
if (unexpected.length > 0) {
  console.error(`FAIL featstats/layers: the bundle also contains ${unexpected.join(', ')}`);
  failures++;
}
if (!layersImportOnly.includes('registerClass(') || !layersImportOnly.includes('"GroupNormalization"')) {
  console.error('FAIL featstats/layers: an import of the entry no longer registers the layer classes');
  failures++;
}
console.log(`featstats/layers (every export) carries the ops: ${layersOps.join(', ')}`);

const bare = (await bundle(`import ${JSON.stringify(entry)};\n`)).replace(/\/\/.*\n/g, '').trim();
if (bare !== '') {
  console.error(`FAIL import-only bundle is not empty (an import-time side effect):\n${bare.slice(0, 400)}`);
  failures++;
}

// The fused kernels reach the GPU backends by duck typing (kernels/webgl/program.ts,
// kernels/webgpu/program.ts): a user who installs only tfjs-core and one backend must be
// able to load featstats, so no built file may import a tfjs backend package.
for (const file of readdirSync(path.join(root, 'dist')).filter((name) => /\.(c?js)$/.test(name))) {
  const backendImport = readFileSync(path.join(root, 'dist', file), 'utf8').match(/@tensorflow\/tfjs-backend-[a-z]+/);
  if (backendImport !== null) {
    console.error(`FAIL dist/${file} imports ${backendImport[0]}: featstats must not require a backend package`);
    failures++;
  }
}

console.log('bundle of a consumer importing one op (minified, tfjs external):');
console.table(rows);
console.log(`import-only bundle: ${bare.length} bytes`);
if (failures > 0) {
  console.error(`tree-shaking check: ${failures} failure(s)`);
  process.exit(1);
}
console.log('tree-shaking check: ok');
