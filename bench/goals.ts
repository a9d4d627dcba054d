/**
 * The fused-kernel targets (issue 7), checked against one run's results so that
 * docs/BENCHMARKS.md states each target with the figure measured and whether it was met.
 * A target whose inputs were not measured in the run (no PyTorch, a backend left out)
 * reads "not measured", never "met".
 */
import type { BackendResults, CaseResult, Ratio } from './types';

const NORMS = ['instanceNorm', 'groupNorm', 'layerNorm', 'batchNorm'] as const;
const STATISTICS = [...NORMS, 'meanStd', 'adain'] as const;
const SORTING = ['efdm', 'efdmix', 'sort', 'argsort'] as const;
const HOST = ['node-cpu', 'node-wasm'] as const;

export interface Goal {
  /** What is required, in words. */
  readonly text: string;
  /** Backends (`env-backend`) it applies to. */
  readonly targets: readonly string[];
  readonly ops: readonly string[];
  readonly size: 'small' | 'medium';
  /** The measured figure of one case (null when not measured) and its limit. */
  readonly measure: (c: CaseResult) => number | null;
  readonly limit: number;
  /** `'max'`: measured ≤ limit; `'below'`: measured < limit. */
  readonly kind: 'max' | 'below';
  readonly unit: string;
  /** Why the target can be missed on this machine, printed under the table when it is (measured reasons only). */
  readonly whenMissed?: string;
}

const forward = (pick: (r: CaseResult['ratios'] & object) => Ratio) => (c: CaseResult) => (c.ratios ? pick(c.ratios).forward : null);
const backward = (pick: (r: CaseResult['ratios'] & object) => Ratio) => (c: CaseResult) => (c.ratios ? pick(c.ratios).backward : null);

export const GOALS: readonly Goal[] = [
  { text: 'forward ≤ 3× the plain-JS elementwise floor', targets: HOST, ops: STATISTICS, size: 'medium', measure: forward((r) => r.jsLoop), limit: 3, kind: 'max', unit: '×' },
  { text: 'forward+backward ≤ 6× the plain-JS floor', targets: HOST, ops: STATISTICS, size: 'medium', measure: backward((r) => r.jsLoop), limit: 6, kind: 'max', unit: '×' },
  { text: 'forward ≤ 1.0× PyTorch, one thread', targets: HOST, ops: ['instanceNorm', 'batchNorm'], size: 'medium', measure: forward((r) => r.torch1), limit: 1, kind: 'max', unit: '×' },
  { text: 'forward+backward ≤ 0.5× PyTorch (reference AdaIN), one thread', targets: HOST, ops: ['adain'], size: 'medium', measure: backward((r) => r.torch1), limit: 0.5, kind: 'max', unit: '×' },
  { text: 'forward ≤ 0.5× PyTorch (reference EFDM), one thread', targets: HOST, ops: ['efdm'], size: 'medium', measure: forward((r) => r.torch1), limit: 0.5, kind: 'max', unit: '×' },
  { text: 'forward+backward ≤ 0.5× PyTorch (reference EFDM), one thread', targets: HOST, ops: ['efdm'], size: 'medium', measure: backward((r) => r.torch1), limit: 0.5, kind: 'max', unit: '×' },
  { text: 'forward ≥ 50× faster than the tfjs composite (ratio ≤ 0.02)', targets: ['node-cpu'], ops: [...STATISTICS, ...SORTING], size: 'medium', measure: forward((r) => r.composite), limit: 0.02, kind: 'max', unit: '×' },
  { text: 'forward+backward ≥ 50× faster than the tfjs composite (ratio ≤ 0.02)', targets: ['node-cpu'], ops: [...STATISTICS, 'efdm', 'efdmix', 'sort'], size: 'medium', measure: backward((r) => r.composite), limit: 0.02, kind: 'max', unit: '×' },
  { text: 'forward+backward peak memory ≤ 3× the input bytes', targets: [...HOST, 'chromium-webgl'], ops: NORMS, size: 'medium', measure: (c) => c.featstats?.memory?.peakMultiple ?? null, limit: 3, kind: 'max', unit: '× input' },
  { text: 'forward+backward ≥ 3× faster than the tfjs composite (ratio ≤ 0.33)', targets: ['chromium-webgl'], ops: [...NORMS, 'adain'], size: 'medium', measure: backward((r) => r.composite), limit: 1 / 3, kind: 'max', unit: '×' },
  { text: 'forward faster than the topk-handoff composite', targets: ['chromium-webgl'], ops: ['efdm'], size: 'medium', measure: forward((r) => r.composite), limit: 1, kind: 'below', unit: '×' },
  {
    text: '0 GPU→CPU readbacks inside the op (forward and backward)',
    targets: ['chromium-webgl'],
    ops: [...STATISTICS, ...SORTING],
    size: 'small',
    measure: (c) => (c.featstats?.readbacks ? c.featstats.readbacks.forward + (c.featstats.readbacks.backward ?? 0) : null),
    limit: 0,
    kind: 'max',
    unit: '',
  },
];

export interface GoalRow {
  readonly goal: Goal;
  readonly target: string;
  readonly op: string;
  readonly value: number | null;
  readonly met: boolean | null;
}

/** Every (goal, backend, op) with the measured value; `met` null when not measured. */
export function checkGoals(all: readonly BackendResults[]): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const goal of GOALS) {
    for (const target of goal.targets) {
      const results = all.find((r) => `${r.env}-${r.backend}` === target);
      for (const op of goal.ops) {
        const c = results?.cases.find((x) => x.op === op && x.size === goal.size);
        const value = c ? goal.measure(c) : null;
        const met = value === null ? null : goal.kind === 'max' ? value <= goal.limit : value < goal.limit;
        rows.push({ goal, target, op, value, met });
      }
    }
  }
  return rows;
}
