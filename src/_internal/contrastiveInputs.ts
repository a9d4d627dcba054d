/**
 * Validation shared by the contrastive losses: embeddings `[N, D]`, the options every loss
 * takes (temperature, normalize, reduction) and integer ids. Each check throws
 * `featstats.<op>: …`; ids are read on the host, where the loss masks are built.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { Reduction } from './contrastive';
import { formatShape, opError } from './errors';
import { checkBoolean, checkChoice, checkNonEmpty, checkNumber, describeValue, floatTensor, type TensorInput } from './validate';

/** Ids or class labels, one per embedding row. */
export type IdsInput = readonly number[] | Int32Array | tf.Tensor1D;

/** `x` as a float32 `[N, D]` tensor with N, D ≥ 1. */
export function embeddingsTensor(x: TensorInput, arg: string, op: string): tf.Tensor2D {
  const t = floatTensor(x, arg, op);
  if (t.rank !== 2) throw opError(op, `${arg} must have rank 2 ([N, D]) but got rank ${t.rank} (shape ${formatShape(t.shape)})`);
  checkNonEmpty(t, arg, op);
  return t as tf.Tensor2D;
}

/** Throws unless `x` has exactly the shape of `reference`. */
export function checkSameShape(x: tf.Tensor2D, arg: string, reference: tf.Tensor2D, referenceArg: string, op: string): void {
  if (x.shape[0] !== reference.shape[0] || x.shape[1] !== reference.shape[1]) {
    throw opError(op, `${arg} must have the shape of ${referenceArg} ${formatShape(reference.shape)} but got ${formatShape(x.shape)}`);
  }
}

/** Throws unless `x` has as many columns D as `reference`. */
export function checkSameWidth(x: tf.Tensor2D, arg: string, reference: tf.Tensor2D, referenceArg: string, op: string): void {
  if (x.shape[1] !== reference.shape[1]) {
    throw opError(op, `${arg} must have ${reference.shape[1]} columns (D of ${referenceArg}) but got shape ${formatShape(x.shape)}`);
  }
}

/** The options every InfoNCE-family loss shares, validated, with the op's defaults. */
export function resolveContrastiveOptions(
  given: { temperature?: number; normalize?: boolean; reduction?: Reduction },
  defaults: { temperature: number; reduction: Reduction },
  op: string,
): { temperature: number; normalize: boolean; reduction: Reduction } {
  const reduction = checkChoice<Reduction>(given.reduction, 'reduction', op, ['mean', 'sum', 'none'], defaults.reduction);
  return {
    temperature: checkNumber(given.temperature ?? defaults.temperature, 'temperature', op, { min: 0, minExclusive: true }),
    normalize: checkBoolean(given.normalize ?? true, 'normalize', op),
    reduction,
  };
}

/**
 * Reads integer ids on the host: arrays as they are, an int32 Tensor1D with `dataSync`
 * (ids are small, and a tensor made from an array still holds its values on the host).
 */
export function readIds(ids: unknown, arg: string, length: number, rowsArg: string, op: string): readonly number[] {
  let values: readonly number[];
  if (ids instanceof tf.Tensor) {
    if (ids.isDisposed) throw opError(op, `${arg} must be a live tensor but got a disposed one`);
    if (ids.dtype !== 'int32' || ids.rank !== 1) {
      throw opError(op, `${arg} must be an int32 Tensor1D, number[] or Int32Array but got a ${ids.dtype} tensor of shape ${formatShape(ids.shape)}`);
    }
    values = Array.from(ids.dataSync());
  } else if (ids instanceof Int32Array) {
    values = Array.from(ids);
  } else if (Array.isArray(ids)) {
    const bad = ids.findIndex((v) => !Number.isSafeInteger(v));
    if (bad !== -1) throw opError(op, `${arg} must hold integers but got ${describeValue(ids[bad])} at ${arg}[${bad}]`);
    values = ids as number[];
  } else {
    throw opError(op, `${arg} must be an int32 Tensor1D, number[] or Int32Array but got ${describeValue(ids)}`);
  }
  if (values.length !== length) {
    throw opError(op, `${arg} must have length ${length} (one per row of ${rowsArg}) but got length ${values.length}`);
  }
  return values;
}
