/**
 * The one validation layer every public entry point goes through. Each check throws
 * `featstats.<entry>: <argument> must <expectation> but got <actual>` (one line) before
 * anything is allocated or any state changes, so bad input can neither leak tensors,
 * corrupt an estimator or moving statistic, nor yield silent garbage. `<entry>` is the
 * public function or method the user called (`ibaAttribution`, `WelfordEstimator.update`),
 * passed down to every shared check as `op`.
 *
 * Kept in one file on purpose (longer than the usual ~150 lines): the rules for each kind
 * of argument are read, and changed, together.
 */
import * as tf from '@tensorflow/tfjs-core';

import { formatShape, opError } from './errors';
import { withFloatStorage } from './kernels/webgpu/program';
import { channelLayout, channelOrder } from './layout';

/**
 * The layouts featstats accepts, in tfjs's naming. `'NHWC'` and `'NCHW'` are batches of
 * images (or volumes): rank ≥ 4, `[N, ...S, C]` or `[N, C, ...S]` with at least two
 * spatial axes (also `[N, C]` where an op takes dense features). `'NWC'` and `'NCW'`
 * (tfjs's `conv1d` names) are batches of sequences, rank 3: `[N, L, C]` or `[N, C, L]`.
 * A rank-3 tensor is never taken as images: `[H, W, C]` (one image, as tfjs's image ops
 * read rank 3) and `[N, L, C]` (sequences) cannot be told apart by shape, so a rank-3
 * input under `'NHWC'`/`'NCHW'` is an error that names both one-line fixes.
 */
export type DataFormat = ImageDataFormat | SequenceDataFormat;

/** Batches of images or volumes: channels last `[N, ...S, C]` or first `[N, C, ...S]`, rank ≥ 4. */
export type ImageDataFormat = 'NHWC' | 'NCHW';

/** Batches of sequences (tfjs's `conv1d` names): `[N, L, C]` or `[N, C, L]`, rank 3. */
export type SequenceDataFormat = 'NWC' | 'NCW';

/**
 * Where the channels sit, which is all the layout arithmetic needs once a data format has
 * been checked against a tensor's rank (`checkFeatures`): `'NHWC'` channels last,
 * `'NCHW'` channels first, whatever the number of spatial axes.
 */
export type ChannelOrder = ImageDataFormat;

/** What an op accepts wherever it takes a tensor: a tensor or nested numbers. */
export type TensorInput = tf.Tensor | tf.TensorLike;

/**
 * Seeds are 32-bit: any int32 or uint32 value, read as its 32 bits (so −1 and 2³² − 1
 * draw the same), the state every generator starts from.
 */
export const SEED_RANGE = { min: -(2 ** 31), max: 2 ** 32 - 1 } as const;

/** Deepest nesting of an array tensor-like (tfjs kernels stop at rank 6; this only stops cycles). */
const MAX_NESTING = 32;

/** The typed arrays tfjs's `tf.tensor` accepts as values. */
function isTensorTypedArray(value: unknown): value is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray {
  return value instanceof Float32Array || value instanceof Int32Array || value instanceof Uint8Array || value instanceof Uint8ClampedArray;
}

/** "a" or "an" before a word, for messages ("an int32 tensor", "a float32 tensor"). */
const article = (word: string) => (/^[aeiouAEIOU]/.test(word) ? `an ${word}` : `a ${word}`);

/**
 * A short, one-line description of any value for a `but got …` clause: numbers and
 * booleans as written, strings quoted, tensors by dtype and shape, other objects by kind.
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  if (value instanceof tf.Tensor) return value.isDisposed ? 'a disposed tensor' : `${article(value.dtype)} tensor of shape ${formatShape(value.shape)}`;
  if (Array.isArray(value)) {
    const short = value.length <= 8 && value.every((v: unknown) => v === null || (typeof v !== 'object' && typeof v !== 'function'));
    return short ? `[${value.map(describeValue).join(',')}]` : `an array of length ${value.length}`;
  }
  if (ArrayBuffer.isView(value)) return article(value.constructor.name);
  const object = value as { dataId?: unknown; shape?: unknown };
  if ('dataId' in object && Array.isArray(object.shape)) return 'a tensor of another copy of @tensorflow/tfjs-core';
  const kind = Object.prototype.toString.call(value).slice(8, -1);
  return kind === 'Object' ? 'an object' : article(kind);
}

/** What a tensor argument must be, for messages. */
const TENSOR_EXPECTATION = 'a tensor or a rectangular nested array of numbers';

/**
 * Throws unless `x` is a live tensor or a well-formed tensor-like: a number, a
 * Float32Array/Int32Array/Uint8Array, or a rectangular nested array of numbers (typed
 * arrays allowed as its innermost rows). tfjs's `tf.tensor` accepts ragged arrays (and
 * pads them with NaN on cpu, or overruns the heap on wasm) and nested booleans: these
 * are rejected here, before any tensor exists.
 */
export function checkTensorLike(x: unknown, arg: string, op: string): void {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw opError(op, `${arg} must be a live tensor but got a disposed one`);
    return;
  }
  if (typeof x === 'number' || isTensorTypedArray(x)) return;
  if (!Array.isArray(x)) throw opError(op, `${arg} must be ${TENSOR_EXPECTATION} but got ${describeValue(x)}`);
  // The shape is read along the first elements; every element must then agree with it.
  const shape: number[] = [];
  for (let level: unknown = x; Array.isArray(level) || isTensorTypedArray(level); level = (level as ArrayLike<unknown>)[0]) {
    if (shape.length > MAX_NESTING) throw opError(op, `${arg} must be ${TENSOR_EXPECTATION} of rank <= ${MAX_NESTING} but got deeper nesting`);
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const visit = (value: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (typeof value !== 'number') throw opError(op, `${arg} must be ${TENSOR_EXPECTATION} but got ${describeValue(value)} at ${arg}${at}`);
      return;
    }
    const isArray = Array.isArray(value);
    if (!isArray && !isTensorTypedArray(value)) {
      throw opError(op, `${arg} must be ${TENSOR_EXPECTATION} but got ${describeValue(value)} at ${arg}${at} (expected ${shape.length - depth} more levels)`);
    }
    if (value.length !== shape[depth]) {
      throw opError(op, `${arg} must be ${TENSOR_EXPECTATION} but got a ragged array: ${arg}${at} has length ${value.length}, expected ${shape[depth]}`);
    }
    if (!isArray) {
      // A typed array holds numbers, so it can only be the innermost level.
      if (depth !== shape.length - 1) throw opError(op, `${arg} must be ${TENSOR_EXPECTATION} but got a typed array at ${arg}${at} above the innermost level`);
      return;
    }
    for (let i = 0; i < value.length; i++) visit(value[i], depth + 1, `${at}[${i}]`);
  };
  visit(x, 0, '');
}

/**
 * Returns `x` as a float32 tensor, the one place where featstats converts its inputs:
 * arrays and typed arrays become float32, and an int32 tensor (what
 * `tf.browser.fromPixels` and `tf.node.decodeImage` return) is cast to float32, as
 * `tf.moments` and tfjs's other float ops accept int32. Every op that computes in
 * floating point takes its tensors through here, so int32 is accepted wherever the math
 * is defined on real numbers; `sort` and `argsort` keep int32 as int32
 * ({@link sortableTensor}). bool, string and complex64 tensors are errors: a boolean
 * mask or a string is a mistake upstream, not numbers. The copy is owned by the
 * caller's tidy. The cast is an ordinary tfjs op, so an int32 input is data, not a
 * variable to differentiate (tfjs's own Cast gradient applies where it is registered).
 */
export function floatTensor(x: TensorInput, arg: string, op: string): tf.Tensor {
  checkTensorLike(x, arg, op);
  if (x instanceof tf.Tensor) {
    if (x.dtype === 'int32') return withFloatStorage(tf.cast(x, 'float32'));
    if (x.dtype !== 'float32') throw opError(op, `${arg} must be a float32 or int32 tensor but got ${x.dtype} (shape ${formatShape(x.shape)})`);
    return withFloatStorage(x);
  }
  return tf.tensor(x, undefined, 'float32');
}

/**
 * Returns `x` as a tensor of its own dtype (arrays of numbers become float32, Int32Array
 * and Uint8Array int32, both always allowed), unless a tensor's dtype is not in `dtypes`.
 */
export function numericTensor(x: TensorInput, arg: string, op: string, dtypes: readonly ('float32' | 'int32')[]): tf.Tensor {
  checkTensorLike(x, arg, op);
  if (!(x instanceof tf.Tensor)) return tf.tensor(x);
  if (!(dtypes as readonly string[]).includes(x.dtype)) {
    throw opError(op, `${arg} must be a ${dtypes.join(' or ')} tensor but got ${x.dtype} (shape ${formatShape(x.shape)})`);
  }
  return x;
}

/** Throws unless `x` has at least `minRank` dimensions. */
export function checkMinRank(x: tf.Tensor, minRank: number, arg: string, op: string, what = ''): void {
  if (x.rank < minRank) {
    throw opError(op, `${arg} must have rank >= ${minRank}${what} but got rank ${x.rank} (shape ${formatShape(x.shape)})`);
  }
}

/** Throws unless `x` has no zero-sized dimension. */
export function checkNonEmpty(x: tf.Tensor, arg: string, op: string): void {
  if (x.size === 0) throw opError(op, `${arg} must not be empty but got shape ${formatShape(x.shape)}`);
}

/** Throws unless `x` has exactly the shape `expected` (called `label` in the message). */
export function checkShape(x: tf.Tensor, expected: readonly number[], arg: string, op: string, label = 'shape'): void {
  if (x.rank !== expected.length || x.shape.some((d, i) => d !== expected[i])) {
    throw opError(op, `${arg} must have ${label} ${formatShape(expected)} but got ${formatShape(x.shape)}`);
  }
}

/** Validates a string-valued option against its choices, returning it (or `fallback` when absent). */
export function checkChoice<T extends string>(value: unknown, arg: string, op: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((choices as readonly unknown[]).includes(value)) return value as T;
  const listed = choices.map((choice) => `'${choice}'`);
  const expectation = listed.length === 2 ? listed.join(' or ') : `${listed.slice(0, -1).join(', ')} or ${listed[listed.length - 1] as string}`;
  throw opError(op, `${arg} must be ${expectation} but got ${describeValue(value)}`);
}

/** Validates a `dataFormat` option and returns it (default `'NHWC'`). */
export function checkDataFormat(value: unknown, op: string): DataFormat {
  return checkChoice<DataFormat>(value, 'dataFormat', op, ['NHWC', 'NCHW', 'NWC', 'NCW'], 'NHWC');
}

/** Validates a `dataFormat` option of an op that takes images only (default `'NHWC'`). */
export function checkImageDataFormat(value: unknown, op: string): ImageDataFormat {
  return checkChoice<ImageDataFormat>(value, 'dataFormat', op, ['NHWC', 'NCHW'], 'NHWC');
}

/** Validates a finite number option within [min, max] (inclusive bounds unless stated). */
export function checkNumber(
  value: unknown,
  arg: string,
  op: string,
  range: { min?: number; max?: number; minExclusive?: boolean } = {},
): number {
  const { min = -Infinity, max = Infinity, minExclusive = false } = range;
  const ok =
    typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) {
    const low = min === -Infinity ? '' : `${minExclusive ? '>' : '>='} ${min}`;
    const high = max === Infinity ? '' : `<= ${max}`;
    const expectation = [low, high].filter(Boolean).join(' and ') || 'finite';
    throw opError(op, `${arg} must be a finite number ${expectation} but got ${describeValue(value)}`);
  }
  return value;
}

/** Validates an integer option within [min, max]. */
export function checkInteger(value: unknown, arg: string, op: string, range: { min?: number; max?: number } = {}): number {
  const { min = -Infinity, max = Infinity } = range;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const bounds = [min === -Infinity ? '' : `>= ${min}`, max === Infinity ? '' : `<= ${max}`].filter(Boolean).join(' and ');
    throw opError(op, `${arg} must be an integer${bounds === '' ? '' : ` ${bounds}`} but got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Validates an optional seed, the same rule for every op: an integer in [−2³¹, 2³² − 1]
 * (int32 or uint32), returned as its 32 bits, an unsigned integer; beyond that range a
 * seed would silently alias another. Without one, a fresh random seed per call.
 */
export function resolveSeed(seed: unknown, op: string): number {
  if (seed === undefined) return Math.floor(Math.random() * 2 ** 32);
  return checkInteger(seed, 'seed', op, SEED_RANGE) >>> 0;
}

/** Validates a boolean option (strictly `true` or `false`). */
export function checkBoolean(value: unknown, arg: string, op: string): boolean {
  if (typeof value !== 'boolean') throw opError(op, `${arg} must be a boolean but got ${describeValue(value)}`);
  return value;
}

/** Validates a function argument (a loss, a layer, a head). */
export function checkFunction<T extends (...args: never[]) => unknown>(value: unknown, arg: string, op: string): T {
  if (typeof value !== 'function') throw opError(op, `${arg} must be a function but got ${describeValue(value)}`);
  return value as T;
}

/** Validates a list of `length` positive integers, such as `[height, width]`. */
export function checkSizes(value: unknown, arg: string, op: string, names: readonly string[]): number[] {
  // Array.from: every() would skip the holes of a sparse array.
  if (!Array.isArray(value) || value.length !== names.length || !Array.from(value as unknown[]).every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1)) {
    throw opError(op, `${arg} must be [${names.join(', ')}] of positive integers but got ${describeValue(value)}`);
  }
  return value as number[];
}

/**
 * Validates that an options argument is a plain object (or absent, unless `required`)
 * whose keys are all known and whose values are not null: a misspelt option
 * (`dataformat`) would otherwise be ignored silently, and a null one taken as the default.
 */
export function checkOptions<T extends object>(
  options: T | undefined,
  known: readonly (keyof T & string)[],
  op: string,
  { required = false }: { required?: boolean } = {},
): Partial<T> {
  if (options === undefined && !required) return {};
  const plain = typeof options === 'object' && options !== null && Object.prototype.toString.call(options) === '[object Object]' && !(options instanceof tf.Tensor);
  if (!plain) throw opError(op, `options must be an object but got ${describeValue(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (!(known as readonly string[]).includes(key)) {
      throw opError(op, `options must only name ${known.join(', ')} but got '${key}'`);
    }
    if (value === null) throw opError(op, `${key} must be given a value or left out but got null`);
  }
  return options;
}

/** Converts and checks a tensor to be sorted: float32 or int32, rank ≥ 1, not empty. */
export function sortableTensor(x: TensorInput, arg: string, op: string): tf.Tensor {
  const input = numericTensor(x, arg, op, ['float32', 'int32']);
  checkMinRank(input, 1, arg, op);
  checkNonEmpty(input, arg, op);
  return input;
}

/**
 * Throws unless x is non-empty features of a rank its data format names (see
 * {@link DataFormat}): rank 3 for `'NWC'`/`'NCW'`; rank ≥ 4 for `'NHWC'`/`'NCHW'`, or
 * rank 2 (`[N, C]`) where `dense` (the norms and probes that, as PyTorch's and Keras's,
 * also take dense features). A rank-3 tensor under `'NHWC'`/`'NCHW'` is the ambiguous
 * case, one image `[H, W, C]` or sequences `[N, L, C]`: its message gives the fix for
 * each. Returns the channel order for the layout arithmetic.
 */
export function checkFeatures(x: tf.Tensor, arg: string, op: string, dataFormat: DataFormat, { dense = false }: { dense?: boolean } = {}): ChannelOrder {
  const order = channelOrder(dataFormat);
  const got = `but got rank ${x.rank} (shape ${formatShape(x.shape)})`;
  if (order !== dataFormat) {
    if (x.rank !== 3) {
      throw opError(op, `${arg} must have rank 3 (${dataFormat === 'NWC' ? '[N, L, C]' : '[N, C, L]'}) for dataFormat '${dataFormat}' ${got}`);
    }
  } else if (x.rank === 3 || x.rank < (dense ? 2 : 4)) {
    const shapes = order === 'NHWC' ? '[N, ...S, C]' : '[N, C, ...S]';
    const expected = `${arg} must have rank ${dense ? `2 ([N, C]) or >= 4 (${shapes})` : `>= 4 (${shapes})`} for dataFormat '${order}' ${got}`;
    if (x.rank !== 3) throw opError(op, expected);
    // One image [H, W, C] (tfjs's image ops) or sequences [N, L, C]: the shape cannot
    // tell, so the message gives the one-line fix for each.
    const [image, sequences, sequenceFormat] = order === 'NHWC' ? ['[H, W, C]', '[N, L, C]', 'NWC'] : ['[C, H, W]', '[N, C, L]', 'NCW'];
    throw opError(op, `${expected}, which is ambiguous: for one image ${image} add the batch axis, tf.expandDims(${arg}, 0); for sequences ${sequences} pass dataFormat: '${sequenceFormat}'`);
  }
  checkNonEmpty(x, arg, op);
  return order;
}

/**
 * Throws unless a style tensor can be matched to content channel by channel: same rank
 * and channels, batch N or 1 (broadcast). The spatial size may differ.
 */
export function checkStylePair(content: tf.Tensor, style: tf.Tensor, op: string, dataFormat: DataFormat): void {
  const contentLayout = channelLayout(content.shape, dataFormat);
  const styleLayout = channelLayout(style.shape, dataFormat);
  if (
    style.rank !== content.rank ||
    styleLayout.channels !== contentLayout.channels ||
    (styleLayout.batch !== contentLayout.batch && styleLayout.batch !== 1)
  ) {
    const expected = `rank ${content.rank}, ${contentLayout.channels} channels and batch ${contentLayout.batch} or 1`;
    throw opError(op, `style must have ${expected} (content ${formatShape(content.shape)}) but got shape ${formatShape(style.shape)}`);
  }
}
