/**
 * Ratios of featstats' median time to each peer's, from one run: the tfjs composite and
 * the bandwidth floor measured in the same process, and PyTorch measured by the same
 * `npm run bench`. Below 1, featstats is faster.
 *
 * A matrix-product case gets no PyTorch ratio when torch ran on a reference BLAS: its
 * times there are ~20× those of users' PyTorch (MKL or OpenBLAS), so the ratio would
 * flatter featstats by as much (the PyTorch timings stay in the JSON).
 */
import { CASES } from './cases';
import { blasIsOptimized, type TorchRow, type TorchRun } from './torchRunner';
import type { CaseResult, Floor, Ratio, Ratios, Timing, TorchTiming } from './types';

const divide = (a: Timing | null | undefined, b: Timing | null | undefined): number | null =>
  a && b && b.medianMs > 0 ? a.medianMs / b.medianMs : null;

/** Ratio of featstats' forward and forward+backward to a peer's (a floor has one time for both). */
function ratio(forward: Timing | null, backward: Timing | null, peerForward: Timing | null | undefined, peerBackward: Timing | null | undefined): Ratio {
  return { forward: divide(forward, peerForward), backward: divide(backward, peerBackward) };
}

const torchTiming = (row: TorchRow | undefined): TorchTiming | null =>
  row ? { threads: row.threads, forward: row.forward, backward: row.backward } : null;

const MATRIX_PRODUCT_OPS: ReadonlySet<string> = new Set(CASES.filter((c) => c.matrixProduct === true).map((c) => c.op));

/** Whether PyTorch's timings of `op` may be set against featstats' (see the file's comment). */
export function torchComparable(op: string, torch: TorchRun | null): boolean {
  return torch !== null && (blasIsOptimized(torch.blas) || !MATRIX_PRODUCT_OPS.has(op));
}

export function withRatios(cases: readonly CaseResult[], floors: readonly Floor[], torch: TorchRun | null): CaseResult[] {
  return cases.map((result) => {
    const mine = result.featstats;
    if (mine === null) return result;
    const rows = torch?.results.filter((row) => row.op === result.op && row.size === result.size) ?? [];
    const single = torchTiming(rows.find((row) => row.threads === 1));
    const all = torchTiming(rows.find((row) => row.threads === Math.max(...(torch?.threads ?? [1])) && row.threads !== 1));
    const floor = floors.find((f) => f.elements === result.elements);
    const against = (forward: Timing | null | undefined, backward: Timing | null | undefined) => ratio(mine.forward, mine.backward, forward, backward);
    const comparable = torchComparable(result.op, torch);
    const ratios: Ratios = {
      composite: against(result.composite?.forward, result.composite?.backward),
      jsLoop: against(floor?.jsLoop, floor?.jsLoop),
      tfAdd: against(floor?.tfAdd, floor?.tfAdd),
      torch1: comparable ? against(single?.forward, single?.backward) : against(null, null),
      torchAll: comparable ? against(all?.forward, all?.backward) : against(null, null),
    };
    return { ...result, torch: torch ? { single, all } : null, ratios };
  });
}
