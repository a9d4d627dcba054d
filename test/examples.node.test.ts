/**
 * Every `@example` in the sources runs here, so the documentation cannot rot. Lines of
 * the form `expression; // <JSON>` also check their claim: the expression's value must
 * equal the JSON (e.g. `sort(tf.tensor1d([3, 1, 2])); // [1, 2, 3]`, `x > y; // true`,
 * `typeof v; // "number"`).
 */
import * as tf from '@tensorflow/tfjs-core';
// Examples are user code, and some (ibaAttribution's head) differentiate tfjs ops, so
// tfjs's gradients are loaded here as a user's app would; coreOnly.test.ts covers the
// featstats ops without them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { transformSync } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import * as featstats from '../src';

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

/** Turns `expr; // [json]` lines into assertions and drops import lines (all in scope). */
function instrument(code: string): string {
  return code
    .split('\n')
    .filter((line) => !/^\s*import\s/.test(line))
    .map((line) => {
      const claim = /^(\s*)(.*?);\s*\/\/\s*(\[.*\]|-?\d.*|true|false|".*")$/.exec(line);
      if (claim === null) return line;
      const [, indent, expression, expected] = claim as unknown as [string, string, string, string];
      try {
        JSON.parse(expected);
      } catch {
        return line; // a prose comment, not a value claim
      }
      return `${indent}__check(${expression.replace(/^(const|let)\s+\w+\s*=\s*/, '')}, ${JSON.stringify(expected)});`;
    })
    .join('\n');
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
  });

  for (const file of files) {
    examples(file).forEach((code, index) => {
      it(`${path.relative(sourceRoot, file)} example ${index + 1} runs and its stated values hold`, async () => runExample(code));
    });
  }

  it('README example runs', async () => {
    const readme = readFileSync(path.join(sourceRoot, '..', 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)\n```/.exec(readme);
    expect(block).not.toBeNull();
    await runExample((block as RegExpExecArray)[1] as string);
  });
});

/**
 * Runs example code (which may `await`) with tf and every featstats export in scope, in
 * an engine scope that frees what it allocates, and checks that nothing outlives it.
 */
async function runExample(code: string): Promise<void> {
  const javascript = transformSync(instrument(code), { loader: 'ts' }).code;
  const check = (value: unknown, expected: string) => {
    const actual = value instanceof tf.Tensor ? value.arraySync() : value;
    expect(actual).toEqual(JSON.parse(expected));
  };
  const before = tf.memory().numTensors;
  const body = new Function('tf', 'featstats', '__check', `return (async () => {\nconst { ${Object.keys(featstats).join(', ')} } = featstats;\n${javascript}\n})();`);
  tf.engine().startScope();
  try {
    await body(tf, featstats, check);
  } finally {
    tf.engine().endScope();
  }
  // Variables outlive scopes by design; an example may create them (batchNorm's moving statistics).
  tf.disposeVariables();
  expect(tf.memory().numTensors).toBe(before);
}
