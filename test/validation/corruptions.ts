/**
 * Bad values for one argument, generated from what the argument is (its `Kind`): for a
 * tensor, non-tensors, ragged and non-numeric nested arrays, unsupported typed arrays,
 * disposed tensors, wrong dtypes, ranks and shapes, empty shapes; for an option, values of
 * the wrong type, non-finite or out of range. Every value generated here breaks the
 * argument's documented contract, so a call that accepts one is a silent accept.
 *
 * Values are made by `make()` at run time (a corruption may create a tensor), so that a
 * generated case holds no tensor while fast-check stores or shrinks it.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

/** How an argument may be given (what the entry point's JSDoc promises to accept). */
export type Kind =
  | {
      readonly type: 'tensor';
      /** Shape of the valid tensor the case builds (disposed and dtype corruptions keep it). */
      readonly validShape: readonly number[];
      /** dtypes accepted; default float32 and int32 (cast to float32, `floatTensor`). */
      readonly dtypes?: readonly ('float32' | 'int32')[];
      /** Smallest rank accepted (exclusive with rank and exactShape). */
      readonly minRank?: number;
      /** Ranks at or above minRank that are rejected all the same (rank 3 under an image dataFormat). */
      readonly badRanks?: readonly number[];
      /** The one rank accepted. */
      readonly rank?: number;
      /** The one shape accepted (validShape). */
      readonly exactShape?: boolean;
      /** Whether an empty tensor is rejected (default true); false for pass-through inputs. */
      readonly nonEmpty?: boolean;
    }
  | { readonly type: 'number'; readonly min?: number; readonly max?: number; readonly minExclusive?: boolean; readonly integer?: boolean }
  | { readonly type: 'boolean' }
  | { readonly type: 'choice'; readonly choices: readonly string[] }
  | { readonly type: 'seed' }
  | { readonly type: 'function' }
  /** A callback whose result is ignored (onStep): any function is valid, anything else bad. */
  | { readonly type: 'callback' }
  | { readonly type: 'ids'; readonly length: number }
  | { readonly type: 'valueOrRange'; readonly min: number; readonly max?: number }
  | { readonly type: 'sizes'; readonly length: number };

/** A bad value, described for reports and made on demand. */
export interface Corruption {
  readonly label: string;
  readonly make: () => unknown;
}

const constant = (label: string, value: () => unknown): Corruption => ({ label, make: value });

/** Values that are no tensor, number, boolean or array of any kind (undefined only where required). */
function junk(required: boolean): Corruption[] {
  return [
    constant('null', () => null),
    ...(required ? [constant('undefined', () => undefined)] : []),
    constant('{}', () => ({})),
    constant('a function', () => () => 1),
    constant('a string', () => 'abc'),
    constant('a Map', () => new Map([[1, 2]])),
    constant('a Date', () => new Date(0)),
    constant('a symbol', () => Symbol('s')),
    constant('a bigint', () => 3n),
  ];
}

/** A nested array of the given shape whose leaves come from `leaf(index)`. */
function nested(shape: readonly number[], leaf: (index: number) => unknown): unknown {
  let counter = 0;
  const build = (depth: number): unknown =>
    depth === shape.length ? leaf(counter++) : Array.from({ length: shape[depth] as number }, () => build(depth + 1));
  return build(0);
}

const smallShape = (minRank: number, maxRank: number) =>
  fc.integer({ min: minRank, max: maxRank }).chain((rank) => fc.array(fc.integer({ min: 1, max: 3 }), { minLength: rank, maxLength: rank }));

/** Nested arrays that tfjs's `tf.tensor` would take but that are not rectangular arrays of numbers. */
export function malformedArrays(): fc.Arbitrary<Corruption> {
  // At least two leaves, so that the bad one sits beside numbers ([[1]] alone is rectangular).
  const withLeaf = (label: string, bad: unknown) =>
    fc.record({ shape: smallShape(1, 3).filter((s) => s.reduce((a, b) => a * b, 1) >= 2), at: fc.nat() }).map(({ shape, at }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return constant(`${label} in a ${JSON.stringify(shape)} array`, () => nested(shape, (i) => (i === at % size ? bad : i)));
    });
  const ragged = fc.record({ shape: smallShape(2, 3).filter((s) => (s[0] as number) >= 2), grow: fc.boolean() }).map(({ shape, grow }) =>
    constant(`ragged ${JSON.stringify(shape)} array (${grow ? 'longer' : 'shorter'} last row)`, () => {
      const value = nested(shape, (i) => i) as unknown[][];
      const last = value[value.length - 1] as unknown[];
      if (grow) last.push(Array.isArray(last[0]) ? [...(last[0] as unknown[])] : 7);
      else last.pop();
      return value;
    }),
  );
  const allBooleans = smallShape(1, 3).map((shape) => constant(`booleans in a ${JSON.stringify(shape)} array`, () => nested(shape, (i) => i % 2 === 0)));
  return fc.oneof(
    ragged,
    allBooleans,
    withLeaf('a boolean', true),
    withLeaf('a string', '1'),
    withLeaf('null', null),
    withLeaf('undefined', undefined),
    withLeaf('an object', {}),
    withLeaf('a nested row', [1]),
    fc.constant(constant('a number beside a row', () => [1, [2]])),
    fc.constant(constant('a sparse array', () => [1, , 3])), // eslint-disable-line no-sparse-arrays
    fc.constant(constant('a self-containing array', () => {
      const cycle: unknown[] = [];
      cycle.push(cycle);
      return cycle;
    })),
  );
}

/** A shape of the given rank, dims 1–3. */
const shapeOfRank = (rank: number) => fc.array(fc.integer({ min: 1, max: 3 }), { minLength: rank, maxLength: rank });

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Bad values for a tensor argument. */
function badTensors(kind: Extract<Kind, { type: 'tensor' }>, required: boolean): fc.Arbitrary<Corruption> {
  const valid = [...kind.validShape];
  const size = valid.reduce((a, b) => a * b, 1);
  const options: fc.Arbitrary<Corruption>[] = [
    fc.constantFrom(...junk(required), constant('true', () => true)),
    malformedArrays(),
    fc.constantFrom(
      constant('a Float64Array', () => new Float64Array(size)),
      constant('an Int16Array', () => new Int16Array(size)),
      constant('a tensor of another copy of tfjs', () => ({ dataId: {}, shape: [...valid], dtype: 'float32', size })),
      constant('a disposed tensor', () => {
        const t = tf.zeros(valid);
        t.dispose();
        return t;
      }),
      constant('a bool tensor', () => tf.zeros(valid, 'bool')),
      constant('a string tensor', () => tf.tensor(Array.from({ length: size }, () => 'a'), valid, 'string')),
    ),
  ];
  if (!(kind.dtypes ?? ['float32', 'int32']).includes('int32')) options.push(fc.constant(constant('an int32 tensor', () => tf.zeros(valid, 'int32'))));
  const wrongShapes: fc.Arbitrary<readonly number[]>[] = [];
  if (kind.minRank !== undefined && kind.minRank > 0) wrongShapes.push(fc.integer({ min: 0, max: kind.minRank - 1 }).chain(shapeOfRank));
  if (kind.badRanks !== undefined && kind.badRanks.length > 0) wrongShapes.push(fc.constantFrom(...kind.badRanks).chain(shapeOfRank));
  if (kind.rank !== undefined) wrongShapes.push(fc.integer({ min: 0, max: 4 }).filter((r) => r !== kind.rank).chain(shapeOfRank));
  if (kind.exactShape === true) {
    wrongShapes.push(
      fc.oneof(
        fc.integer({ min: 0, max: Math.max(valid.length - 1, 0) }).map((axis) => valid.map((d, i) => (i === axis ? d + 1 : d))),
        fc.constant([...valid, 1]),
        fc.constant(valid.slice(1)),
      ).filter((shape) => !sameShape(shape, valid)),
    );
  }
  if (kind.nonEmpty !== false && valid.length > 0) {
    wrongShapes.push(fc.integer({ min: 0, max: valid.length - 1 }).map((axis) => valid.map((d, i) => (i === axis ? 0 : d))));
  }
  if (wrongShapes.length > 0) {
    const asTensor = fc.boolean();
    options.push(
      fc.tuple(fc.oneof(...wrongShapes), asTensor).map(([shape, tensor]) =>
        constant(`a ${tensor ? 'tensor' : 'nested array'} of shape ${JSON.stringify(shape)}`, () =>
          tensor ? tf.ones(shape as number[]) : shape.length === 0 ? 1 : nested(shape, () => 1),
        ),
      ),
    );
  }
  return fc.oneof(...options);
}

/** Values of the wrong type for any option. */
function wrongTypes(required: boolean, except: 'number' | 'boolean' | 'string' | 'array' | 'none' = 'none'): Corruption[] {
  return [
    ...junk(required).filter((c) => except !== 'string' || c.label !== 'a string'),
    ...(except === 'boolean' ? [] : [constant('true', () => true)]),
    ...(except === 'array' ? [] : [constant('[1]', () => [1])]),
    constant('a tensor', () => tf.scalar(1)),
  ];
}

const nonFinite = [constant('NaN', () => Number.NaN), constant('Infinity', () => Infinity), constant('-Infinity', () => -Infinity)];

/** Bad values for a number option. */
function badNumbers(kind: Extract<Kind, { type: 'number' }>, required: boolean): fc.Arbitrary<Corruption> {
  const values: Corruption[] = [...wrongTypes(required, 'number'), ...nonFinite, constant('"1"', () => '1')];
  if (kind.min !== undefined) {
    const min = kind.min;
    values.push(constant(`below ${min}`, () => min - 1), constant(`just below ${min}`, () => min - Math.max(Math.abs(min), 1) * 1e-9));
    if (kind.minExclusive === true) values.push(constant(`${min} (exclusive)`, () => min));
  }
  if (kind.max !== undefined) {
    const max = kind.max;
    values.push(constant(`above ${max}`, () => max + 1), constant(`just above ${max}`, () => max + Math.max(Math.abs(max), 1) * 1e-9));
  }
  if (kind.integer === true) values.push(constant('2.5', () => 2.5), constant('1e300', () => 1e300));
  return fc.constantFrom(...values);
}

/** Bad values for any kind of argument; `required` arguments may not be undefined either. */
export function badValues(kind: Kind, required: boolean): fc.Arbitrary<Corruption> {
  switch (kind.type) {
    case 'tensor':
      return badTensors(kind, required);
    case 'number':
      return badNumbers(kind, required);
    case 'boolean':
      return fc.constantFrom(...wrongTypes(required, 'boolean'), constant('"yes"', () => 'yes'), constant('"true"', () => 'true'), constant('1', () => 1), constant('0', () => 0));
    case 'choice':
      return fc.oneof(
        fc.constantFrom(...wrongTypes(required, 'string'), constant('a number', () => 1)),
        fc.string({ maxLength: 8 }).filter((s) => !kind.choices.includes(s)).map((s) => constant(JSON.stringify(s), () => s)),
        fc.constantFrom(...kind.choices).map((c) => constant(`${c} in other case`, () => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))),
      );
    case 'seed':
      return fc.constantFrom(
        ...wrongTypes(required, 'number'),
        ...nonFinite,
        constant('1.5', () => 1.5),
        constant('-2³¹ − 1', () => -(2 ** 31) - 1),
        constant('2³²', () => 2 ** 32),
        constant('"3"', () => '3'),
      );
    case 'function':
      return fc.constantFrom(...wrongTypes(required), constant('1', () => 1), constant('an array of a function', () => [() => 1]));
    case 'callback':
      return fc.constantFrom(...wrongTypes(required).filter((c) => c.label !== 'a function'), constant('1', () => 1), constant('an array of a function', () => [() => 1]));
    case 'ids':
      return fc.constantFrom(
        ...wrongTypes(required, 'array'),
        constant('1', () => 1),
        constant('non-integers', () => Array.from({ length: kind.length }, (_, i) => i + 0.5)),
        constant('NaN ids', () => Array.from({ length: kind.length }, () => Number.NaN)),
        constant('string ids', () => Array.from({ length: kind.length }, (_, i) => String(i))),
        constant('nested ids', () => Array.from({ length: kind.length }, (_, i) => [i])),
        constant('one id too few', () => Array.from({ length: kind.length - 1 }, (_, i) => i % 2)),
        constant('one id too many', () => Array.from({ length: kind.length + 1 }, (_, i) => i % 2)),
        constant('a float32 tensor', () => tf.zeros([kind.length])),
        constant('an int32 tensor of rank 2', () => tf.zeros([kind.length, 1], 'int32')),
        constant('a disposed int32 tensor', () => {
          const t = tf.zeros([kind.length], 'int32');
          t.dispose();
          return t;
        }),
        constant('a Float32Array', () => new Float32Array(kind.length)),
      );
    case 'valueOrRange': {
      const { min, max = Infinity } = kind;
      const inside = max === Infinity ? min + 1 : (min + max) / 2;
      return fc.constantFrom(
        ...wrongTypes(required, 'array'),
        ...nonFinite,
        constant('below the bound', () => min - 1),
        ...(max === Infinity ? [] : [constant('above the bound', () => max + 1), constant('a range above the bound', () => [inside, max + 1])]),
        constant('a reversed range', () => [inside, min]),
        constant('a range of one', () => [inside]),
        constant('a range of three', () => [min, inside, inside]),
        constant('a range with NaN', () => [Number.NaN, inside]),
        constant('a range of strings', () => [String(min), String(inside)]),
      );
    }
    case 'sizes':
      return fc.constantFrom(
        ...wrongTypes(required, 'array'),
        constant('a negative size', () => [-1, ...Array.from({ length: kind.length - 1 }, () => 2)]),
        constant('a zero size', () => [0, ...Array.from({ length: kind.length - 1 }, () => 2)]),
        constant('a fractional size', () => [2.5, ...Array.from({ length: kind.length - 1 }, () => 2)]),
        constant('a NaN size', () => [...Array.from({ length: kind.length - 1 }, () => 2), Number.NaN]),
        constant('an infinite size', () => [Infinity, ...Array.from({ length: kind.length - 1 }, () => 2)]),
        constant('a string size', () => ['2', ...Array.from({ length: kind.length - 1 }, () => 2)]),
        constant('too few sizes', () => Array.from({ length: kind.length - 1 }, () => 2)),
        constant('a sparse array', () => {
          const sizes = new Array<number>(kind.length);
          sizes[kind.length - 1] = 2;
          return sizes;
        }),
        constant('too many sizes', () => Array.from({ length: kind.length + 1 }, () => 2)),
        constant('a number', () => 2),
      );
  }
}
