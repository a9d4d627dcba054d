/**
 * Runs documentation code (JSDoc `@example`s, the getting-started page, the recipes) as a
 * test: TypeScript or JavaScript that may `await`, with given names in scope, inside an
 * engine scope that frees what it allocates, and checks that nothing outlives it.
 *
 * Lines of the form `expression; // <JSON>` also check their claim: the expression's value
 * (a tensor's array, or a plain value) must equal the JSON, e.g.
 * `sort(tf.tensor1d([3, 1, 2])); // [1, 2, 3]`, `x > y; // true`, `typeof v; // "number"`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { transformSync } from 'esbuild';
import { expect } from 'vitest';

/** Turns `expr; // <json>` lines into assertions and drops import lines (the caller puts names in scope). */
export function instrument(code: string): string {
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

/** Options of {@link runCode}. */
export interface RunCodeOptions {
  /**
   * Run the code once before counting tensors: tfjs-layers keeps a cache of scalar
   * constants for good on first use, so for code using it only a second run's leftovers
   * are leaks.
   */
  readonly warmUp?: boolean;
}

/**
 * Runs `code` with the entries of `scope` as local names. Variables outlive scopes by
 * design (an example may create them): they are disposed after the run.
 */
export async function runCode(code: string, scope: Record<string, unknown>, options: RunCodeOptions = {}): Promise<void> {
  const javascript = transformSync(instrument(code), { loader: 'ts' }).code;
  const check = (value: unknown, expected: string) => {
    const actual = value instanceof tf.Tensor ? value.arraySync() : value;
    expect(actual).toEqual(JSON.parse(expected));
  };
  const names = Object.keys(scope);
  const body = new Function('__scope', '__check', `return (async () => {\nconst { ${names.join(', ')} } = __scope;\n${javascript}\n})();`);
  const run = async () => {
    tf.engine().startScope();
    try {
      await body(scope, check);
    } finally {
      tf.engine().endScope();
      tf.disposeVariables();
    }
  };
  if (options.warmUp === true) await run();
  const before = tf.memory().numTensors;
  await run();
  expect(tf.memory().numTensors, 'tensors outlived the code').toBe(before);
}
