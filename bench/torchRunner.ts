/**
 * PyTorch on the CPU as a peer: runs bench/torch_bench.py under Debian's /usr/bin/python3
 * (python3-torch) for the selected cases, at one thread and at all cores. Absent torch
 * means no PyTorch columns, with a printed note; CI never installs it.
 *
 * The run also reports the BLAS torch's matrix products use ({@link TorchBlas}): on a
 * reference BLAS the matrix-product cases' PyTorch times are ~20× what users' PyTorch
 * (MKL or OpenBLAS) takes, so bench/ratios.ts gives no PyTorch ratio for them then.
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';

import { FAMILIES, type BenchCase } from './cases';
import type { RunProfile } from './config';
import type { Timing } from './types';

export const PYTHON = '/usr/bin/python3';

export interface TorchRow {
  readonly op: string;
  readonly size: string;
  readonly threads: number;
  readonly forward: Timing;
  readonly backward: Timing | null;
}

/** The BLAS torch ran on, as bench/torch_bench.py's `blas_in_use` judged it. */
export interface TorchBlas {
  /** 'reference': netlib's libblas.so.3 (no optimized BLAS installed); 'unknown': neither could be told. */
  readonly kind: 'optimized' | 'reference' | 'unknown';
  /** torch's build-time `BLAS_INFO` (Debian's says 'generic' whichever BLAS is installed). */
  readonly configured: string;
  /** The BLAS and LAPACK shared objects loaded in the PyTorch process. */
  readonly libraries: readonly string[];
  /** Median ms of one 256×512 · 512×256 product at one thread. */
  readonly probeMs: number;
}

/** Whether matrix-product timings of this PyTorch stand for users' PyTorch. */
export const blasIsOptimized = (blas: TorchBlas | null | undefined): boolean => blas?.kind === 'optimized';

/** One line for logs and the report, e.g. `optimized: libopenblasp-r0.3.21.so (256×512·512×256: 1.0 ms)`. */
export function describeBlas(blas: TorchBlas): string {
  const names = blas.libraries.map((library) => library.split('/').pop() ?? library).filter((name) => !name.startsWith('liblapack'));
  return `${blas.kind}: ${names.length > 0 ? names.join(', ') : `BLAS_INFO=${blas.configured}`} (256×512·512×256: ${blas.probeMs.toFixed(1)} ms)`;
}

export interface TorchRun {
  readonly torch: string;
  readonly blas: TorchBlas;
  readonly threads: readonly number[];
  readonly results: readonly TorchRow[];
  readonly errors: readonly string[];
}

export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

export async function runTorch(cases: readonly BenchCase[], profile: RunProfile, seed: number, log: (line: string) => void): Promise<TorchRun> {
  const threads = [...new Set([1, os.cpus().length])];
  const request = {
    cases: profile.sizes.flatMap((size) => cases.filter((c) => c.torch).map((c) => ({ op: c.op, size, shape: FAMILIES[c.family].shapes[size] }))),
    threads,
    sampling: profile.sampling,
    seed,
  };
  const child = spawn(PYTHON, ['bench/torch_bench.py'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') log(line);
  });
  child.stdin.end(JSON.stringify(request));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`bench: bench/torch_bench.py exited with ${code}`);
  const parsed = JSON.parse(stdout) as Omit<TorchRun, 'threads'>;
  if (!blasIsOptimized(parsed.blas)) {
    log(`PyTorch BLAS is ${describeBlas(parsed.blas)}: no PyTorch ratios for matrix-product cases (apt-get install libopenblas0-pthread)`);
  }
  return { ...parsed, threads };
}
