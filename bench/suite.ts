/**
 * Runs every case on the active backend, the same way in Node and in the browser: for
 * each size and case, featstats and the composite side by side (forward, then
 * forward+backward), forward+backward memory, readbacks where a counter is installed, and
 * the bandwidth floor for the case's element count.
 */
import * as tf from '@tensorflow/tfjs-core';

import * as featstats from '../src';
import { CASES, FAMILIES, NOT_BENCHMARKED, type BenchCase, type CaseSetup, type Outputs, type Skip } from './cases';
import type { BackendName, RunProfile, SizeName } from './config';
import { measure, perCall, profileMemory, settle, timeOnce, type ReadbackCounter } from './harness';
import { elementsOf, normalTensor } from './inputs';
import type { CaseResult, Floor, Measured, Memory, SuiteOutput } from './types';

export interface SuiteOptions {
  readonly profile: RunProfile;
  /** Only these ops; all when empty. */
  readonly ops: readonly string[];
  /** Installed on webgl: counts GPU→CPU reads inside each op. */
  readonly readbacks?: ReadbackCounter;
  readonly log: (line: string) => void;
}

const asList = (outputs: Outputs): tf.Tensor[] => (Array.isArray(outputs) ? outputs : [outputs]);

/** Multi-output ops are differentiated through the sum of their outputs (all the same shape). */
const combined = (outputs: Outputs): tf.Tensor => {
  const list = asList(outputs);
  return list.length === 1 ? (list[0] as tf.Tensor) : tf.addN(list);
};

/**
 * Calls an implementation inside tf.tidy, as user code would: the composites' intermediates
 * are freed and only the outputs survive. (An async implementation manages its own.)
 */
function invoke(impl: CaseSetup['featstats'], inputs: tf.Tensor[]): Outputs | Promise<Outputs> {
  let pending: Promise<Outputs> | undefined;
  const outputs = tf.tidy(() => {
    const result = impl(...inputs);
    if (result instanceof Promise) {
      pending = result;
      return [];
    }
    return result;
  });
  return pending ?? outputs;
}

/** Public functions and classes that no case measures and NOT_BENCHMARKED does not excuse. */
export function unbenchmarkedExports(): string[] {
  const measured = new Set([...CASES.map((c) => c.op), ...Object.keys(NOT_BENCHMARKED)]);
  return Object.entries(featstats)
    .filter(([name, value]) => typeof value === 'function' && !measured.has(name))
    .map(([name]) => name);
}

export async function runSuite(options: SuiteOptions): Promise<SuiteOutput> {
  const start = performance.now();
  const selected = CASES.filter((c) => options.ops.length === 0 || options.ops.includes(c.op));
  const floors = new Map<number, Floor>();
  const cases: CaseResult[] = [];
  const context: RunContext = { ...options, failedBackwards: new Map() };
  for (const size of options.profile.sizes) {
    for (const benchCase of selected) {
      const result = await runCase(benchCase, size, size === options.profile.sizes[0], context);
      cases.push(result);
      options.log(describe(result));
      if (!floors.has(result.elements)) floors.set(result.elements, await measureFloor(result.elements, options.profile));
    }
  }
  return { floors: [...floors.values()], cases, wallSeconds: (performance.now() - start) / 1000 };
}

/**
 * A forward+backward that failed at one size (e.g. a gradient kernel missing on this
 * backend) is not retried at the next: tfjs strands the tensors its tape saved when a
 * backward throws, and at the larger sizes they would fill the wasm heap.
 */
interface RunContext extends SuiteOptions {
  readonly failedBackwards: Map<string, string>;
}

async function runCase(benchCase: BenchCase, size: SizeName, checkAgreement: boolean, context: RunContext): Promise<CaseResult> {
  const shape = FAMILIES[benchCase.family].shapes[size];
  const skip = applies(benchCase.skip, size);
  const compositeSkip = applies(benchCase.compositeSkip, size);
  const notes = [
    skip && `${skip.pass === 'all' ? 'featstats' : 'featstats forward+backward'} skipped: ${skip.reason}`,
    compositeSkip && `${compositeSkip.pass === 'all' ? 'composite' : 'composite forward+backward'} skipped: ${compositeSkip.reason}`,
  ].filter((note) => typeof note === 'string');
  const skipped = notes.length > 0 ? notes.join('; ') : null;
  const empty = { featstats: null, composite: null, compositeError: null, agreement: null, torch: null, ratios: null, skipped };
  let setup: CaseSetup | undefined;
  let dy: tf.Tensor | undefined;
  // dy is seeded like the inputs and shaped like the output, which the first call tells.
  const upstream = (outputShape: number[]) => (dy ??= normalTensor(outputShape, 11));
  try {
    setup = benchCase.setup(shape);
    const { inputs } = setup;
    const inputBytes = inputs.reduce((total, t) => total + t.size * 4, 0);
    const run = (name: string, impl: CaseSetup['featstats'], backward: boolean) =>
      measureImplementation({ op: benchCase.op, size, implementation: name }, impl, inputs, backward ? upstream : undefined, inputBytes, context);
    const backward = benchCase.noGradient === undefined;
    const featstatsResult = skip?.pass === 'all' ? null : await run('featstats', setup.featstats, backward && skip === undefined);
    const compositeImpl = setup.composite;
    let composite: Pick<CaseResult, 'composite' | 'compositeError' | 'agreement'> = { composite: null, compositeError: null, agreement: null };
    if (compositeImpl && compositeSkip?.pass !== 'all') {
      try {
        composite = {
          composite: await run('composite', compositeImpl, backward && benchCase.compositeNoGradient === undefined && compositeSkip === undefined),
          compositeError: null,
          agreement: checkAgreement && !benchCase.stochastic && skip === undefined ? await compare(setup.featstats, compositeImpl, inputs) : null,
        };
      } catch (error) {
        composite = { composite: null, compositeError: messageOf(error), agreement: null };
      }
    }
    return { op: benchCase.op, size, shapes: inputs.map((t) => [...t.shape]), elements: elementsOf(shape), ...empty, featstats: featstatsResult, ...composite, error: null };
  } catch (error) {
    return { op: benchCase.op, size, shapes: [shape], elements: elementsOf(shape), ...empty, error: messageOf(error) };
  } finally {
    tf.dispose([...(setup?.inputs ?? []), ...(setup?.constants ?? []), ...(dy ? [dy] : [])]);
  }
}

/** The skip that applies to this backend and size, if any. */
const applies = (skip: Skip | undefined, size: SizeName): Skip | undefined =>
  skip !== undefined && skip.backends.includes(tf.getBackend() as BackendName) && skip.sizes.includes(size) ? skip : undefined;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Forward: an untimed first call (counting readbacks), then the timed samples. Backward
 * (when `upstream` is given): `tf.grads` with dy, an untimed first call, then the timed
 * samples. The first backward call is also the memory profile, except on webgl, where
 * profiling reads every kernel's output back: there it counts readbacks, and the profile
 * is one more call.
 */
async function measureImplementation(
  id: { op: string; size: SizeName; implementation: string },
  impl: CaseSetup['featstats'],
  inputs: tf.Tensor[],
  upstream: ((outputShape: number[]) => tf.Tensor) | undefined,
  inputBytes: number,
  { profile, readbacks, failedBackwards }: RunContext,
): Promise<Measured> {
  const name = `${id.op} ${id.size} ${id.implementation}`;
  const key = `${id.op} ${id.implementation}`;
  let outputShape: number[] = [];
  /** Runs `call` once, counting readbacks inside it (not in the final data()). */
  const counted = async (call: () => Outputs | Promise<Outputs>): Promise<number> => {
    readbacks?.start();
    const outputs = asList(await call());
    const reads = readbacks?.stop() ?? 0;
    outputShape = [...(outputs[0]?.shape ?? [])];
    await settle(outputs);
    return reads;
  };
  let forwardReads = 0;
  const firstForward = await timeOnce(async () => {
    forwardReads = await counted(() => invoke(impl, inputs));
  });
  const forward = await measure(`${name} fwd`, async () => settle(asList(await invoke(impl, inputs))), profile.sampling, firstForward);
  const result = (rest: Omit<Measured, 'forward' | 'readbacks'>, backwardReads: number | null): Measured => ({
    forward,
    ...rest,
    readbacks: readbacks ? { forward: forwardReads, backward: backwardReads } : null,
  });
  if (upstream === undefined) return result({ backward: null, backwardError: null, memory: null }, null);
  const failedBefore = failedBackwards.get(key);
  if (failedBefore !== undefined) return result({ backward: null, backwardError: failedBefore, memory: null }, null);

  try {
    const dy = upstream(outputShape);
    // In a tidy too: a backward that throws (a kernel missing on this backend) frees its tape.
    const grads = () => tf.tidy(() => tf.grads((...xs: tf.Tensor[]) => combined(impl(...xs) as Outputs))(inputs, dy));
    let backwardReads = 0;
    let memory: Memory | undefined;
    const firstBackward = await timeOnce(async () => {
      if (readbacks) backwardReads = await counted(grads);
      else memory = await profileMemory(grads, inputBytes);
    });
    memory ??= await profileMemory(grads, inputBytes);
    const backward = await measure(`${name} fwd+bwd`, async () => settle(grads()), profile.sampling, firstBackward);
    return result({ backward, backwardError: null, memory }, backwardReads);
  } catch (error) {
    failedBackwards.set(key, messageOf(error));
    return result({ backward: null, backwardError: messageOf(error), memory: null }, null);
  }
}

/** Max |featstats − composite| / max(1, max|composite|) over the forward outputs. */
async function compare(a: CaseSetup['featstats'], b: (...inputs: tf.Tensor[]) => Outputs, inputs: tf.Tensor[]): Promise<number> {
  const left = asList(await invoke(a, inputs));
  const right = asList(await invoke(b, inputs));
  let worst = 0;
  for (const [k, t] of right.entries()) {
    const expected = await t.data();
    const actual = await (left[k] as tf.Tensor).data();
    let scale = 1;
    let error = 0;
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i] as number));
      error = Math.max(error, Math.abs((actual[i] as number) - (expected[i] as number)));
    }
    worst = Math.max(worst, error / scale);
  }
  tf.dispose([...left, ...right]);
  return worst;
}

/**
 * The plain-JS floor's loop: `target = source + offset`, written as a function of its
 * arguments. Inside a closure the arrays and the bound would be context variables that
 * V8 reloads on every iteration, about twice as slow, which would flatter every ratio.
 */
function elementwisePass(source: Float32Array, target: Float32Array, offset: number): void {
  const n = source.length;
  for (let i = 0; i < n; i++) target[i] = (source[i] as number) + offset;
}

/**
 * One elementwise pass over n float32 values: a plain typed-array loop, the same loop
 * into a freshly allocated array each time, and tf.add(x, 1). A loop sample makes enough
 * passes to last about a millisecond (the browser's clock ticks in 0.1 ms steps) and
 * reports the time per pass. The fresh-array pass is what every kernel output on the
 * cpu backend costs at least: tfjs-backend-cpu owns each output array, so a kernel writes
 * into new memory, and the first write into each page pays its page fault.
 */
async function measureFloor(elements: number, profile: RunProfile): Promise<Floor> {
  const source = new Float32Array(elements).map((_, i) => i % 255);
  const target = new Float32Array(elements);
  const passes = Math.ceil(1_000_000 / elements);
  const loop = async () => {
    for (let pass = 0; pass < passes; pass++) elementwisePass(source, target, pass);
  };
  const jsLoop = perCall(await measure(`js loop ${elements}`, loop, profile.sampling, await timeOnce(loop)), passes);
  const fresh = async () => {
    for (let pass = 0; pass < passes; pass++) elementwisePass(source, new Float32Array(elements), pass);
  };
  const jsLoopFresh = perCall(await measure(`js loop fresh ${elements}`, fresh, profile.sampling, await timeOnce(fresh)), passes);
  const x = tf.tensor1d(source);
  const add = async () => settle([tf.add(x, 1)]);
  const tfAdd = await measure(`tf.add ${elements}`, add, profile.sampling, await timeOnce(add));
  x.dispose();
  return { elements, jsLoop, jsLoopFresh, tfAdd };
}

const ms = (value: number | undefined): string => (value === undefined ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(0));

function describe(result: CaseResult): string {
  const label = `${result.size.padEnd(6)} ${result.op.padEnd(24)}`;
  if (result.error !== null) return `${label} ERROR ${result.error}`;
  const pair = (m: Measured | null) => (m === null ? '—' : `${ms(m.forward.medianMs)} / ${ms(m.backward?.medianMs)} ms`);
  const failures = [result.skipped, result.featstats?.backwardError, result.compositeError, result.composite?.backwardError].filter((e) => e != null);
  return `${label} featstats ${pair(result.featstats)}   composite ${pair(result.composite)}${failures.length > 0 ? `   (${failures.join('; ')})` : ''}`;
}
