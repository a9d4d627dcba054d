import { describe, expect, it } from 'vitest';

import { CASES } from '../../bench/cases';
import { withRatios } from '../../bench/ratios';
import type { TorchBlas, TorchRun } from '../../bench/torchRunner';
import type { CaseResult, Timing } from '../../bench/types';

const timing = (medianMs: number): Timing => ({ medianMs, p25Ms: medianMs, p75Ms: medianMs, madMs: 0, samples: 5 });

function result(op: string): CaseResult {
  const measured = { forward: timing(10), backward: timing(30), backwardError: null, memory: null, readbacks: null };
  return { op, size: 'medium', shapes: [[256, 512]], elements: 256 * 512, featstats: measured, composite: null, compositeError: null, agreement: null, torch: null, ratios: null, skipped: null, error: null };
}

function torchRun(kind: TorchBlas['kind'], ops: readonly string[]): TorchRun {
  return {
    torch: '1.13.0a0',
    blas: { kind, configured: 'generic', libraries: [], probeMs: 1 },
    threads: [1],
    results: ops.map((op) => ({ op, size: 'medium', threads: 1, forward: timing(5), backward: timing(20) })),
    errors: [],
  };
}

const matrixProductOps = CASES.filter((c) => c.matrixProduct === true).map((c) => c.op);
const otherTorchOps = CASES.filter((c) => c.torch === true && c.matrixProduct !== true).map((c) => c.op);

describe('bench PyTorch ratios and the BLAS torch ran on', () => {
  it('the contrastive losses and the similarity diagnostics are marked as matrix products', () => {
    expect(matrixProductOps).toEqual(expect.arrayContaining(['infoNCE', 'ntXent', 'supCon', 'contrastiveDistillation', 'cosineSimilarityMatrix', 'activationSimilarity', 'stableRank']));
    expect(matrixProductOps).not.toContain('instanceNorm');
  });

  it('a reference BLAS gives matrix-product cases no PyTorch ratio, and other cases theirs', () => {
    const ops = [...matrixProductOps, ...otherTorchOps];
    const rated = withRatios(ops.map(result), [], torchRun('reference', ops));
    for (const r of rated) {
      const expected = matrixProductOps.includes(r.op as never) ? { forward: null, backward: null } : { forward: 2, backward: 1.5 };
      expect(r.ratios?.torch1, r.op).toEqual(expected);
    }
  });

  it('an optimized BLAS gives every case its PyTorch ratio', () => {
    const rated = withRatios(matrixProductOps.map(result), [], torchRun('optimized', matrixProductOps));
    for (const r of rated) expect(r.ratios?.torch1, r.op).toEqual({ forward: 2, backward: 1.5 });
  });
});
