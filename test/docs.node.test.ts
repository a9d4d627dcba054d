/**
 * The getting-started page and every recipe run here, so the guides cannot rot. Each
 * Markdown file's ```js and ```ts blocks are one program, run in order. Their imports
 * are checked rather than executed: `tf` may come from `@tensorflow/tfjs` or
 * `@tensorflow/tfjs-core` (this file loads tfjs-core, the cpu backend and tfjs's
 * gradients, which is what `@tensorflow/tfjs` gives a Node user, minus the chained ops,
 * so guides must use functional ops), and only the names a guide imports from
 * 'featstats' are in scope, so a missing or misspelt import fails. Claims written as
 * `expression; // <JSON>` are asserted (see test/helpers/runCode.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

import * as featstats from '../src';
import { runCode } from './helpers/runCode';

const docs = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs');
const TFJS = ['@tensorflow/tfjs', '@tensorflow/tfjs-core'];
// Side-effect imports a guide may show: what they do is already done by this file.
const SIDE_EFFECTS = ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-core/dist/register_all_gradients'];

/** The guides: the getting-started page and every recipe. */
const guides = ['GETTING_STARTED.md', ...readdirSync(path.join(docs, 'recipes')).filter((f) => f.endsWith('.md') && f !== 'README.md').map((f) => `recipes/${f}`)];

/** The code of a guide's ```js and ```ts blocks, in order. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:js|ts|javascript|typescript)\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
}

/** The names a guide's import lines bring into scope; throws on an import a user could not write. */
function importedScope(code: string): Record<string, unknown> {
  const scope: Record<string, unknown> = {};
  for (const line of code.split('\n').filter((l) => /^\s*import\s/.test(l))) {
    const namespace = /^import \* as (\w+) from '([^']+)';$/.exec(line);
    const named = /^import \{([^}]+)\} from '([^']+)';$/.exec(line);
    const bare = /^import '([^']+)';(\s*\/\/.*)?$/.exec(line);
    if (namespace !== null && TFJS.includes(namespace[2] as string) && namespace[1] === 'tf') {
      scope.tf = tf;
    } else if (named !== null && named[2] === 'featstats') {
      for (const name of (named[1] as string).split(',').map((n) => n.trim()).filter(Boolean)) {
        if (!(name in featstats)) throw new Error(`featstats has no export ${name} (${line})`);
        scope[name] = (featstats as Record<string, unknown>)[name];
      }
    } else if (bare === null || !SIDE_EFFECTS.includes(bare[1] as string)) {
      throw new Error(`a guide imports what this test cannot check: ${line}`);
    }
  }
  return scope;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Markdown and TypeScript files under a folder, recursively. */
function textFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? textFiles(full) : /\.(md|ts)$/.test(entry.name) ? [full] : [];
  });
}

describe('the gradient set-up the documentation gives', () => {
  // `import '@tensorflow/tfjs-core/dist/register_all_gradients'` works in bundlers and fails
  // in Node (ESM and CJS): a page that offers it must say so, or a Node user follows it
  // into ERR_MODULE_NOT_FOUND (the README's Node set-up itself runs in the consumer test).
  it('never offers register_all_gradients without saying it is for bundlers', () => {
    const repository = path.join(docs, '..');
    const pages = [path.join(repository, 'README.md'), ...textFiles(path.join(repository, 'src')),
      ...textFiles(docs).filter((file) => !file.includes(`${path.sep}api${path.sep}`))];
    const offenders: string[] = [];
    for (const file of pages) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/register_all_gradients/g)) {
        const around = text.slice(Math.max(0, (match.index ?? 0) - 400), (match.index ?? 0) + 400);
        if (!/bundl/i.test(around)) offenders.push(`${path.relative(repository, file)} at ${match.index}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('guides', () => {
  it('include the getting-started page and the four recipes', () => {
    expect(guides).toEqual(expect.arrayContaining(['GETTING_STARTED.md', 'recipes/style-transfer.md', 'recipes/domain-generalisation.md', 'recipes/simclr.md', 'recipes/iba-attribution.md']));
  });

  for (const guide of guides) {
    it(`${guide} runs as written and its stated values hold`, async () => {
      const code = codeBlocks(readFileSync(path.join(docs, guide), 'utf8')).join('\n');
      expect(code.length).toBeGreaterThan(0);
      // Claims are what make a guide's run a test: each guide states some.
      expect(code).toMatch(/;\s*\/\/\s*(\[.*\]|-?\d.*|true|false|".*")$/m);
      await runCode(code, importedScope(code));
    });
  }
});
