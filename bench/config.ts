/**
 * What a benchmark run measures and how long it may take: the three sizes, the sampling
 * budgets of the full and quick runs, and the command-line flags. Shared by the Node
 * runner, the browser page and the report.
 */

/** The three sizes of issue 6, as NHWC features `[N, H, W, C]`. */
export const SIZES = {
  small: [1, 16, 16, 64],
  medium: [8, 32, 32, 512], // VGG relu4_1 at 256 px, batch 8
  large: [4, 64, 64, 256],
} as const satisfies Record<string, readonly [number, number, number, number]>;

export type SizeName = keyof typeof SIZES;
export const SIZE_NAMES = Object.keys(SIZES) as SizeName[];

/** Where a backend runs: in Node, or in a page of headless Chromium. */
export type Environment = 'node' | 'chromium';
export type BackendName = 'cpu' | 'wasm' | 'webgl' | 'webgpu';

/** One backend in one environment; its results go to `bench/results/<env>-<backend>.json`. */
export interface Target {
  readonly env: Environment;
  readonly backend: BackendName;
}

export const TARGETS: readonly Target[] = [
  { env: 'node', backend: 'cpu' },
  { env: 'node', backend: 'wasm' },
  { env: 'chromium', backend: 'webgl' },
  { env: 'chromium', backend: 'wasm' },
  { env: 'chromium', backend: 'webgpu' },
];

export const targetId = (target: Target): string => `${target.env}-${target.backend}`;

/** The profile as one target runs it: without the sizes it omits. */
export function profileFor(profile: RunProfile, target: Target): RunProfile {
  const omitted = profile.omitted[targetId(target)];
  return omitted === undefined ? profile : { ...profile, sizes: profile.sizes.filter((size) => !omitted.sizes.includes(size)) };
}

/**
 * How many samples a measurement takes. A case runs untimed once first (twice when the
 * first call took between `slowMs` and `slowBudgetMs`; the second decides). If that call took
 * longer than `slowMs`, it takes as many samples as fit in `slowBudgetMs`, at least
 * `slowMinSamples` and at most `minSamples`, with no further warm-up (the untimed call
 * was its warm-up): on the tfjs cpu backend some composites need seconds per call, and
 * the full run must stay near half an hour on a 2-core machine. Otherwise it runs
 * `warmupIterations` more, then samples until it has `minSamples` and has spent
 * `budgetMs`. bench/torch_bench.py applies the same policy.
 */
export interface SamplingBudget {
  readonly warmupIterations: number;
  readonly minSamples: number;
  readonly budgetMs: number;
  readonly slowMs: number;
  readonly slowBudgetMs: number;
  readonly slowMinSamples: number;
}

/** Samples of a slow measurement whose untimed call took `firstMs`. */
export const slowSamples = (sampling: SamplingBudget, firstMs: number): number =>
  Math.max(sampling.slowMinSamples, Math.min(sampling.minSamples, Math.floor(sampling.slowBudgetMs / firstMs)));

export interface RunProfile {
  readonly name: 'full' | 'quick';
  readonly sizes: readonly SizeName[];
  /** Sizes a target (by id) leaves out unless `--sizes` asks for them, and why. */
  readonly omitted: Readonly<Record<string, { readonly sizes: readonly SizeName[]; readonly reason: string }>>;
  readonly sampling: SamplingBudget;
}

const SLOW_AT_4M =
  'the tfjs cpu backend and WebGL and WebGPU on SwiftShader need seconds per call at 4 M elements, so the full run measures them ' +
  'at small and medium (the same element count as large) to keep the full run near half an hour';

/** `npm run bench`: every size on node-wasm; large left out where it costs most and adds least. */
export const FULL: RunProfile = {
  name: 'full',
  sizes: SIZE_NAMES,
  omitted: {
    'node-cpu': { sizes: ['large'], reason: SLOW_AT_4M },
    'chromium-webgl': { sizes: ['large'], reason: SLOW_AT_4M },
    'chromium-wasm': { sizes: ['large'], reason: 'the same wasm binary as node-wasm, which measures large (small and medium compare the two environments)' },
    'chromium-webgpu': { sizes: ['large'], reason: SLOW_AT_4M },
  },
  sampling: { warmupIterations: 2, minSamples: 5, budgetMs: 200, slowMs: 200, slowBudgetMs: 1000, slowMinSamples: 2 },
};

/** CI's end-to-end check of the harness: small size only, two samples, no timing claims. */
export const QUICK: RunProfile = {
  name: 'quick',
  sizes: ['small'],
  omitted: {},
  sampling: { warmupIterations: 1, minSamples: 2, budgetMs: 0, slowMs: 0, slowBudgetMs: 0, slowMinSamples: 2 },
};

/** The sampling policy in words, for the results and the report. */
export const describeSampling = ({ warmupIterations, minSamples, budgetMs, slowMs, slowBudgetMs, slowMinSamples }: SamplingBudget): string =>
  `a full garbage collection, one untimed call (two when the first took ${slowMs}–${slowBudgetMs} ms, the second deciding); then calls slower than ${slowMs} ms take the samples that fit in ${slowBudgetMs / 1000} s ` +
  `(${slowMinSamples} to ${minSamples}), faster ones ${warmupIterations} warm-up calls and samples until ${minSamples} and ${budgetMs} ms`;

/** The seed of every input tensor (and of every seeded op) in a run. */
export const SEED = 20240601;

export interface CliOptions {
  readonly profile: RunProfile;
  /** Only these targets (`node-cpu`, `chromium-webgl`, …); all when empty. */
  readonly targets: readonly string[];
  /** Only these ops; all when empty. */
  readonly ops: readonly string[];
  /** Output folder of the results, the table and the charts. */
  readonly out: string | undefined;
  readonly torch: boolean;
  /** Only regenerate BENCHMARKS.md and the charts from the results already written. */
  readonly reportOnly: boolean;
}

/**
 * `--quick`, `--only node-cpu,chromium-webgl`, `--ops instanceNorm,efdm`,
 * `--sizes small,medium`, `--out DIR`, `--no-torch`, `--report-only`.
 */
export function parseArguments(argv: readonly string[]): CliOptions {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const list = (flag: string): string[] => (value(flag) ?? '').split(',').filter((item) => item !== '');
  const base = argv.includes('--quick') ? QUICK : FULL;
  const sizes = list('--sizes');
  for (const size of sizes) {
    if (!(size in SIZES)) throw new Error(`bench: --sizes must name ${SIZE_NAMES.join(', ')} but got ${size}`);
  }
  const known = TARGETS.map(targetId);
  const targets = list('--only');
  for (const target of targets) {
    if (!known.includes(target)) throw new Error(`bench: --only must name ${known.join(', ')} but got ${target}`);
  }
  return {
    // Sizes named on the command line are measured on every target.
    profile: sizes.length > 0 ? { ...base, sizes: sizes as SizeName[], omitted: {} } : base,
    targets,
    ops: list('--ops'),
    out: value('--out'),
    torch: !argv.includes('--no-torch'),
    reportOnly: argv.includes('--report-only'),
  };
}
