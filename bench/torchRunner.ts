/**
 * PyTorch on the CPU as a peer: runs bench/torch_bench.py under Debian's /usr/bin/python3
 * (python3-torch) for the selected cases, at one thread and at all cores. Absent torch
 * means no PyTorch columns, with a printed note; CI never installs it.
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

export interface TorchRun {
  readonly torch: string;
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
  return { ...parsed, threads };
}
