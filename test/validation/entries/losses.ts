/** Entries of src/losses: the contrastive losses and the IEContraAST id layout. */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';

import { contentContrastiveLoss, contrastiveDistillation, ieContraAstIds, infoNCE, ntXent, styleContrastiveLoss, supCon } from '../../../src';
import { special, tensorOf, withArg, withOptions, type AnyEntry, type Slot } from './types';

/** Embeddings `[N, D]` described by plain data. */
interface Rows {
  readonly n: number;
  readonly d: number;
  readonly seed: number;
}

const rows = (minN = 1) => fc.record({ n: fc.integer({ min: minN, max: 5 }), d: fc.integer({ min: 1, max: 4 }), seed: fc.nat() });
const embeddingSlot = (name: string, at: number | { option: string }, { n, d }: { n: number; d: number }, required = true): Slot => ({
  name,
  at,
  kind: { type: 'tensor', validShape: [n, d], rank: 2 },
  required,
});
const commonSlots: Slot[] = [
  { name: 'temperature', at: { option: 'temperature' }, kind: { type: 'number', min: 0, minExclusive: true }, required: false },
  { name: 'normalize', at: { option: 'normalize' }, kind: { type: 'boolean' }, required: false },
  { name: 'reduction', at: { option: 'reduction' }, kind: { type: 'choice', choices: ['mean', 'sum', 'none'] }, required: false },
];
/** The second embeddings with another shape than the first's `[n, d]`. */
const mismatched = (arg: string, at: number, { n, d }: Rows) =>
  fc.constantFrom([n + 1, d], [n, d + 1]).map((shape) => special(`${arg} of shape ${JSON.stringify(shape)}`, [arg], (args) => withArg(args, at, tf.ones([...shape]))));

/** An IEContraAST batch: the paper's layout for `half` pairs. */
const idBatch = fc.record({ half: fc.integer({ min: 2, max: 3 }), d: fc.integer({ min: 1, max: 4 }), seed: fc.nat() });
type IdBatch = { half: number; d: number; seed: number };

function idLossEntry(name: 'styleContrastiveLoss' | 'contentContrastiveLoss'): AnyEntry {
  const loss = name === 'styleContrastiveLoss' ? styleContrastiveLoss : contentContrastiveLoss;
  return {
    name,
    base: idBatch,
    build: ({ half, d, seed }: IdBatch) => [tensorOf([2 * half, d], seed), { ...ieContraAstIds(half) }],
    call: ([emb, options]) => loss(emb as tf.Tensor, options as never),
    slots: ({ half, d }: IdBatch) => [
      embeddingSlot('emb', 0, { n: 2 * half, d }),
      { name: 'styleIds', at: { option: 'styleIds' }, kind: { type: 'ids', length: 2 * half }, required: true },
      { name: 'contentIds', at: { option: 'contentIds' }, kind: { type: 'ids', length: 2 * half }, required: true },
      ...commonSlots,
    ],
    options: { at: 1, required: true, keys: ['styleIds', 'contentIds', 'temperature', 'normalize', 'reduction'], requiredKeys: ['styleIds', 'contentIds'] },
    specials: ({ half }: IdBatch) => [
      // Every row its own style and content: no row has a positive.
      fc.constant(special('ids giving no row a positive', ['styleIds', 'contentIds'], (args) => {
        const distinct = Array.from({ length: 2 * half }, (_, i) => i);
        return withOptions(args, 1, { styleIds: distinct, contentIds: distinct });
      })),
    ],
  };
}

export const lossEntries: AnyEntry[] = [
  {
    name: 'infoNCE',
    base: fc.record({ rows: rows(), m: fc.integer({ min: 1, max: 3 }) }),
    build: ({ rows: { n, d, seed } }: { rows: Rows }) => [tensorOf([n, d], seed), tensorOf([n, d], seed + 1), {}],
    call: ([anchors, positives, options]) => infoNCE(anchors as tf.Tensor, positives as tf.Tensor, options as never),
    slots: ({ rows: r, m }: { rows: Rows; m: number }) => [
      embeddingSlot('anchors', 0, r),
      embeddingSlot('positives', 1, r),
      embeddingSlot('negatives', { option: 'negatives' }, { n: m, d: r.d }, false),
      { name: 'symmetric', at: { option: 'symmetric' }, kind: { type: 'boolean' }, required: false },
      ...commonSlots,
    ],
    options: { at: 2, required: false, keys: ['temperature', 'negatives', 'symmetric', 'normalize', 'reduction'] },
    specials: ({ rows: r, m }: { rows: Rows; m: number }) => [
      mismatched('positives', 1, r),
      fc.constant(special('negatives with another D', ['negatives'], (args) => withOptions(args, 2, { negatives: tf.ones([m, r.d + 1]) }))),
    ],
  },
  {
    name: 'ntXent',
    base: rows(),
    build: ({ n, d, seed }: Rows) => [tensorOf([n, d], seed), tensorOf([n, d], seed + 1), {}],
    call: ([a, b, options]) => ntXent(a as tf.Tensor, b as tf.Tensor, options as never),
    slots: (r: Rows) => [embeddingSlot('a', 0, r), embeddingSlot('b', 1, r), ...commonSlots],
    options: { at: 2, required: false, keys: ['temperature', 'normalize', 'reduction'] },
    specials: (r: Rows) => [mismatched('b', 1, r)],
  },
  {
    name: 'supCon',
    base: rows(2),
    build: ({ n, d, seed }: Rows) => [tensorOf([n, d], seed), Array.from({ length: n }, () => 0), {}],
    call: ([z, labels, options]) => supCon(z as tf.Tensor, labels as never, options as never),
    slots: (r: Rows) => [embeddingSlot('z', 0, r), { name: 'labels', at: 1, kind: { type: 'ids', length: r.n }, required: true }, ...commonSlots],
    options: { at: 2, required: false, keys: ['temperature', 'normalize', 'reduction'] },
    specials: (r: Rows) => [
      fc.constant(special('labels all distinct', ['labels'], (args) => withArg(args, 1, Array.from({ length: r.n }, (_, i) => i)))),
    ],
  },
  idLossEntry('styleContrastiveLoss'),
  idLossEntry('contentContrastiveLoss'),
  {
    name: 'contrastiveDistillation',
    base: fc.record({ rows: rows(), mode: fc.constantFrom('ntxent', 'clip', 'mse') }),
    build: ({ rows: { n, d, seed }, mode }: { rows: Rows; mode: string }) => [tensorOf([n, d], seed), tensorOf([n, d], seed + 1), { mode }],
    call: ([student, teacher, options]) => contrastiveDistillation(student as tf.Tensor, teacher as tf.Tensor, options as never),
    slots: ({ rows: r, mode }: { rows: Rows; mode: string }) => [
      embeddingSlot('student', 0, r),
      embeddingSlot('teacher', 1, r),
      { name: 'mode', at: { option: 'mode' }, kind: { type: 'choice', choices: ['ntxent', 'clip', 'mse'] }, required: false },
      // With mode 'mse' any temperature is an unknown option.
      { name: 'temperature', at: { option: 'temperature' }, kind: { type: 'number', min: 0, minExclusive: true }, required: false, ...(mode === 'mse' ? { alsoNamed: ['options'] } : {}) },
      { name: 'detachTeacher', at: { option: 'detachTeacher' }, kind: { type: 'boolean' }, required: false },
    ],
    options: { at: 2, required: false, keys: ['mode', 'temperature', 'detachTeacher'] },
    specials: ({ rows: r, mode }: { rows: Rows; mode: string }) => [
      mismatched('teacher', 1, r),
      ...(mode === 'mse' ? [fc.constant(special("a temperature with mode 'mse'", ['options'], (args) => withOptions(args, 2, { temperature: 0.1 })))] : []),
    ],
  },
  {
    name: 'ieContraAstIds',
    base: fc.constant({}),
    build: () => [6],
    call: ([half]) => ieContraAstIds(half as number),
    slots: () => [{ name: 'half', at: 0, kind: { type: 'number', min: 2, max: 2 ** 16, integer: true }, required: false }],
  },
];
