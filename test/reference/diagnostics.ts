/**
 * Float64 references of the "Beyond BatchNorm" probes, from their definitions: cosine
 * similarities of flattened samples (a zero sample has similarity 0), the mean
 * off-diagonal similarity, the stable rank tr(G)/λ_max(G) with λ_max from a Jacobi
 * eigenvalue decomposition, and the mean per-channel unbiased variance.
 */
import { dims, type DataFormat } from './layout';
import { rowMoments } from './meanStd';
import { batchPlan } from './norms';

function unitRows(x: ArrayLike<number>, n: number): number[][] {
  const d = x.length / n;
  return Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: d }, (_, j) => x[i * d + j] as number);
    const norm = Math.sqrt(row.reduce((a, v) => a + v * v, 0));
    return row.map((v) => (norm > 1e-12 ? v / norm : v / 1e-12));
  });
}

export function cosineMatrixReference(x: ArrayLike<number>, n: number): Float64Array {
  const rows = unitRows(x, n);
  const out = new Float64Array(n * n);
  rows.forEach((a, i) => rows.forEach((b, j) => (out[i * n + j] = a.reduce((s, v, k) => s + v * (b[k] as number), 0))));
  return out;
}

export function activationSimilarityReference(x: ArrayLike<number>, n: number): number {
  const g = cosineMatrixReference(x, n);
  let offDiagonal = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) offDiagonal += g[i * n + j] as number;
  return offDiagonal / (n * (n - 1));
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (float64, to convergence). */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => matrix[i * n + j] as number));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p]![q] as number) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q]![q] as number) - (a[p]![p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p] as number;
          const akq = a[k]![q] as number;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k] as number;
          const aqk = a[q]![k] as number;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((row, i) => row[i] as number);
}

export function stableRankReference(x: ArrayLike<number>, n: number): number {
  const g = cosineMatrixReference(x, n);
  const trace = Array.from({ length: n }, (_, i) => g[i * n + i] as number).reduce((a, b) => a + b, 0);
  const top = Math.max(...symmetricEigenvalues(g, n));
  return top === 0 ? 0 : trace / top;
}

export function channelVarianceReference(x: ArrayLike<number>, shape: number[], dataFormat: DataFormat): number {
  const groups = batchPlan(shape, dataFormat).groups;
  const { channels } = dims(shape, dataFormat);
  return groups.reduce((a, group) => a + rowMoments(group.map((i) => x[i] as number), true)[1], 0) / channels;
}
