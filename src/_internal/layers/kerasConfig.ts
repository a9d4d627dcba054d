/**
 * Layer configs as Keras writes them and tfjs-layers hands them over. On load tfjs turns
 * every key and string value of a model.json config into camelCase (`beta_initializer:
 * {class_name: 'Zeros'}` → `betaInitializer: {className: 'Zeros'}`), ignores nothing
 * itself, and adds a `customObjects` key; a constructor that rejected unknown keys
 * outright would break loading, one that ignored them would hide a typo. So each layer
 * names the keys it understands, the base-layer keys every Keras layer writes are
 * accepted here, and anything else is a `featstats.<Layer>:` error.
 *
 * Initializers, regularizers and constraints are resolved as tfjs-layers resolves them
 * (its `getInitializer` and friends are not exported): a tfjs object as is, a string
 * through tfjs's identifier table, a `{className, config}` dict through the
 * serialization registry tfjs-layers fills on import.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constraints, initializers, regularizers } from '@tensorflow/tfjs-layers';
import type { Constraint, Initializer, Regularizer } from './tfjsLayersTypes';

import { opError } from '../errors';
import { describeValue } from '../validate';

export type { Constraint, Initializer, Regularizer };

/** What a Keras-style argument may name an initializer, regularizer or constraint by. */
export type KerasObjectIdentifier<T> = T | string | tf.serialization.ConfigDict;

/** Keys of tfjs-layers' `LayerArgs` and of Keras's base-layer config, plus tfjs's `customObjects`. */
const BASE_LAYER_KEYS = ['name', 'trainable', 'dtype', 'inputShape', 'batchInputShape', 'batchSize', 'inputDType', 'weights', 'customObjects'];

/**
 * Checks a layer's constructor argument: an object (or absent) whose keys are the
 * layer's own or base-layer keys. Returns it with `dtype` as tfjs expects it: Keras 3
 * writes a dtype policy `{className: 'DTypePolicy', config: {name: 'float32'}}`.
 */
export function checkLayerArgs<T extends object>(args: T | undefined, known: readonly string[], layer: string): T {
  if (args === undefined || args === null) return withDefaultName({} as T, layer);
  if (typeof args !== 'object' || Array.isArray(args) || args instanceof tf.Tensor) {
    throw opError(layer, `config must be an object but got ${Array.isArray(args) ? 'an array' : typeof args}`);
  }
  for (const key of Object.keys(args)) {
    if (!known.includes(key) && !BASE_LAYER_KEYS.includes(key)) {
      throw opError(layer, `config must only name ${known.join(', ')} or base-layer keys (name, trainable, dtype, …) but got '${key}'`);
    }
  }
  const { dtype } = args as { dtype?: unknown };
  if (dtype !== undefined && dtype !== null && typeof dtype === 'object') {
    const name = (dtype as { config?: { name?: unknown } }).config?.name;
    if (typeof name !== 'string') throw opError(layer, `dtype must be a dtype name or a Keras DTypePolicy but got ${describeValue(dtype)}`);
    return withDefaultName({ ...args, dtype: name }, layer);
  }
  return withDefaultName(args, layer);
}

const nameCounts = new Map<string, number>();

/**
 * tfjs-layers names an unnamed layer after its class name in snake case, and rejects the
 * `>` of a registered name (`Addons>InstanceNormalization`) in tensor names; such layers
 * get `instance_normalization_3`-style names here instead, from the part after the `>`.
 */
function withDefaultName<T extends object>(args: T, className: string): T {
  if (!className.includes('>') || (args as { name?: unknown }).name !== undefined) return args;
  const base = (className.split('>').pop() as string).replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
  const count = (nameCounts.get(base) ?? 0) + 1;
  nameCounts.set(base, count);
  return { ...args, name: `${base}_${count}` };
}

/** An integer axis in [−rank, rank), resolved to [0, rank); the batch axis 0 is refused. */
export function resolveChannelAxis(axis: number, rank: number, layer: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw opError(layer, `axis must be an integer in [${-rank}, ${rank}) for an input of rank ${rank} but got ${String(axis)}`);
  }
  const resolved = (axis + rank) % rank;
  if (resolved === 0) throw opError(layer, `axis must not be the batch axis 0 but got ${axis} (rank ${rank})`);
  return resolved;
}

/** Throws unless `value` is an integer (the axis itself is checked against the rank at build). */
export function checkAxisArgument(value: unknown, layer: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw opError(layer, `axis must be an integer but got ${describeValue(value)}`);
  }
  return value;
}

/** tfjs-layers' string identifiers of initializers (its `INITIALIZER_IDENTIFIER_REGISTRY_SYMBOL_MAP`). */
const INITIALIZER_FACTORIES: Record<string, () => Initializer> = {
  constant: () => initializers.constant({ value: 0 }),
  glorotNormal: () => initializers.glorotNormal({}),
  glorotUniform: () => initializers.glorotUniform({}),
  heNormal: () => initializers.heNormal({}),
  heUniform: () => initializers.heUniform({}),
  identity: () => initializers.identity({}),
  leCunNormal: () => initializers.leCunNormal({}),
  leCunUniform: () => initializers.leCunUniform({}),
  ones: () => initializers.ones(),
  orthogonal: () => initializers.orthogonal({}),
  randomNormal: () => initializers.randomNormal({}),
  randomUniform: () => initializers.randomUniform({}),
  truncatedNormal: () => initializers.truncatedNormal({}),
  varianceScaling: () => initializers.varianceScaling({}),
  zeros: () => initializers.zeros(),
};

const CLASS_NAMES: Record<'initializer' | 'regularizer' | 'constraint', Record<string, string>> = {
  initializer: {},
  regularizer: { l1l2: 'L1L2' },
  constraint: { maxNorm: 'MaxNorm', minMaxNorm: 'MinMaxNorm', nonNeg: 'NonNeg', unitNorm: 'UnitNorm' },
};

type Kind = 'initializer' | 'regularizer' | 'constraint';

/**
 * tfjs-layers' base class of each kind (not exported: reached through the prototype of a
 * class its public factories build), so an initializer is told from a regularizer —
 * both have an `apply`.
 */
const BASE_CLASSES: Record<Kind, () => abstract new (...args: never[]) => unknown> = {
  initializer: () => Object.getPrototypeOf(initializers.zeros().constructor),
  regularizer: () => Object.getPrototypeOf(regularizers.l1l2().constructor),
  constraint: () => Object.getPrototypeOf(constraints.nonNeg().constructor),
};

/** Whether `value` is a tfjs-layers object of this kind. */
function isKind(value: unknown, kind: Kind): boolean {
  return value instanceof BASE_CLASSES[kind]();
}

/** The tfjs-layers object of this kind that tfjs-layers would build for an identifier. */
function resolveKerasObject(value: unknown, kind: Kind, arg: string, layer: string): tf.serialization.Serializable {
  if (isKind(value, kind)) return value as tf.serialization.Serializable;
  if (typeof value === 'string') {
    const factory = kind === 'initializer' ? INITIALIZER_FACTORIES[value] : undefined;
    if (factory !== undefined) return factory();
    return fromRegistry({ className: CLASS_NAMES[kind][value] ?? value, config: {} }, kind, arg, layer);
  }
  if (value !== null && typeof value === 'object' && typeof (value as { className?: unknown }).className === 'string') {
    return fromRegistry(value as tf.serialization.ConfigDict, kind, arg, layer);
  }
  throw opError(layer, `${arg} must be a tfjs ${kind}, its name or a {className, config} dict but got ${describeValue(value)}`);
}

function fromRegistry(dict: tf.serialization.ConfigDict, kind: Kind, arg: string, layer: string): tf.serialization.Serializable {
  const className = dict['className'] as string;
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) throw opError(layer, `${arg} must name a registered ${kind} but got '${className}'`);
  const [cls, fromConfig] = entry;
  const config = (dict['config'] ?? {}) as tf.serialization.ConfigDict;
  if (!(cls.prototype instanceof BASE_CLASSES[kind]())) throw opError(layer, `${arg} must name a ${kind} but got '${className}', which is not one`);
  return fromConfig(cls, config);
}

/** tfjs-layers' `getInitializer`, with featstats errors. */
export function resolveInitializer(value: unknown, fallback: string, arg: string, layer: string): Initializer {
  return resolveKerasObject(value === undefined ? fallback : value, 'initializer', arg, layer) as Initializer;
}

/** tfjs-layers' `getRegularizer` (null for none), with featstats errors. */
export function resolveRegularizer(value: unknown, arg: string, layer: string): Regularizer | null {
  return value === undefined || value === null ? null : (resolveKerasObject(value, 'regularizer', arg, layer) as Regularizer);
}

/** tfjs-layers' `getConstraint` (null for none), with featstats errors. */
export function resolveConstraint(value: unknown, arg: string, layer: string): Constraint | null {
  return value === undefined || value === null ? null : (resolveKerasObject(value, 'constraint', arg, layer) as Constraint);
}

/** `{className, config}` as tfjs-layers' `serializeKerasObject` writes it; null stays null. */
export function serializeKerasObject(instance: tf.serialization.Serializable | null): tf.serialization.ConfigDictValue {
  return instance === null ? null : { className: instance.getClassName(), config: instance.getConfig() };
}

/** Throws unless `value` is a boolean (Keras's `center`, `scale`, …). */
export function checkFlag(value: unknown, fallback: boolean, arg: string, layer: string): boolean {
  // Only an absent key takes the default: Keras never writes null for these.
  const resolved = value === undefined ? fallback : value;
  if (typeof resolved !== 'boolean') throw opError(layer, `${arg} must be a boolean but got ${describeValue(resolved)}`);
  return resolved;
}

/** Throws unless `value` is a finite number in the range (absent → fallback). */
export function checkRange(value: unknown, fallback: number, arg: string, layer: string, range: { min?: number; max?: number; minExclusive?: boolean }): number {
  const resolved = value === undefined ? fallback : value;
  const { min = -Infinity, max = Infinity, minExclusive = false } = range;
  if (typeof resolved !== 'number' || !Number.isFinite(resolved) || (minExclusive ? resolved <= min : resolved < min) || resolved > max) {
    const bounds = [min === -Infinity ? '' : `${minExclusive ? '>' : '>='} ${min}`, max === Infinity ? '' : `<= ${max}`].filter(Boolean).join(' and ');
    throw opError(layer, `${arg} must be a finite number${bounds === '' ? '' : ` ${bounds}`} but got ${describeValue(resolved)}`);
  }
  return resolved;
}

/** Keras's `data_format` values, as tfjs-layers spells them after loading. */
export type KerasDataFormat = 'channelsLast' | 'channelsFirst';

/** Checks a Keras `dataFormat` (default channels last) and gives the op's layout name for it. */
export function resolveDataFormat(value: unknown, layer: string): { dataFormat: KerasDataFormat; layout: 'NHWC' | 'NCHW' } {
  const dataFormat = value === undefined ? 'channelsLast' : value;
  if (dataFormat !== 'channelsLast' && dataFormat !== 'channelsFirst') {
    throw opError(layer, `dataFormat must be 'channelsLast' or 'channelsFirst' but got ${describeValue(dataFormat)}`);
  }
  return { dataFormat, layout: dataFormat === 'channelsLast' ? 'NHWC' : 'NCHW' };
}
