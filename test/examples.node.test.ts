/**
 * Every `@example` in the sources runs here, so the documentation cannot rot. Lines of
 * the form `expression; // <JSON>` also check their claim: the expression's value must
 * equal the JSON (e.g. `sort(tf.tensor1d([3, 1, 2])); // [1, 2, 3]`, `x > y; // true`,
 * `typeof v; // "number"`; see test/helpers/runCode.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
// Examples are user code, and some (ibaAttribution's head) differentiate tfjs ops, so
// tfjs's gradients are loaded here as a user's app would; coreOnly.test.ts covers the
// featstats ops without them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import * as featstats from '../src';
import * as featstatsLayers from '../src/layers';
import { runCode } from './helpers/runCode';

const sourceRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code blocks of every `@example` tag in a file's JSDoc comments. */
function examples(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const blocks: string[] = [];
  for (const match of text.matchAll(/@example\s*\n\s*\*\s*```ts\n([\s\S]*?)\n\s*\*\s*```/g)) {
    blocks.push((match[1] as string).replace(/^\s*\* ?/gm, ''));
  }
  return blocks;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const files = sourceFiles(sourceRoot);

describe('JSDoc examples', () => {
  it('exist for every public op', () => {
    const documented = files.filter((file) => examples(file).length > 0).map((file) => path.basename(file, '.ts'));
    for (const name of ['adain', 'argsort', 'efdm', 'efdmix', 'meanStd', 'sort', 'instanceNorm', 'groupNorm', 'layerNorm', 'batchNorm',
      'cosineSimilarityMatrix', 'activationSimilarity', 'stableRank', 'channelVariance', 'probe',
      'perturbMeanStd', 'adversarialMeanStd', 'informationBottleneck', 'ibaAttribution', 'WelfordEstimator',
      'ibaAttributionAsync', 'adversarialMeanStdAsync', 'probeAsync',
      'randomMask', 'gaussianNoise', 'gaussianBlur',
      'infoNCE', 'ntXent', 'supCon', 'styleContrastiveLoss', 'contentContrastiveLoss', 'ieContraAstIds', 'contrastiveDistillation']) {
      expect(documented).toContain(name);
    }
    for (const name of ['GroupNormalization', 'InstanceNormalization', 'BatchNormalization', 'LayerNormalization', 'AdaIN', 'EFDM', 'EFDMix', 'AdvBN',
      'advbnTrainStep', 'ibaAttributionForModel', 'registerLayers']) {
      expect(documented).toContain(name);
    }
  });

  for (const file of files) {
    // featstats/layers' examples are written as a tfjs user writes them with
    // @tensorflow/tfjs: tf.sequential, tf.layers, … next to tfjs-core's ops.
    const layers = path.relative(sourceRoot, file).startsWith(`layers${path.sep}`);
    examples(file).forEach((code, index) => {
      it(`${path.relative(sourceRoot, file)} example ${index + 1} runs and its stated values hold`, async () => runExample(code, layers));
    });
  }

  it("README's featstats/layers snippets run", async () => {
    const readme = readFileSync(path.join(sourceRoot, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Layers'), readme.indexOf('\n## ', readme.indexOf('## Layers') + 1));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((match) => match[1] as string);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const block of blocks) await runExample(block, true);
  });

  it('README example runs', async () => {
    const readme = readFileSync(path.join(sourceRoot, '..', 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)\n```/.exec(readme);
    expect(block).not.toBeNull();
    await runExample((block as RegExpExecArray)[1] as string);
  });
});

/**
 * Runs example code with tf and every featstats export in scope (see runCode); featstats/layers
 * code also gets the layers' exports and a `tf` with tfjs-layers' namespace merged in, as
 * `@tensorflow/tfjs` gives it.
 */
async function runExample(code: string, layers = false): Promise<void> {
  if (!layers) return runCode(code, { tf, ...featstats });
  return runCode(code, { tf: { ...tf, ...tfl }, ...featstats, ...featstatsLayers }, { warmUp: true });
}
