/**
 * The shape of `bench/results/<env>-<backend>.json`, shared by the runners and the report.
 * Times are milliseconds per call, with the result's data awaited inside the timed region.
 */
import type { BackendName, Environment, SizeName } from './config';

/** Median and spread of one measurement. */
export interface Timing {
  readonly medianMs: number;
  readonly p25Ms: number;
  readonly p75Ms: number;
  /** Median absolute deviation from the median. */
  readonly madMs: number;
  readonly samples: number;
}

/** Forward+backward memory from `tf.profile`, relative to the bytes of the inputs. */
export interface Memory {
  /** Highest bytes of distinct data buffers held above what was allocated before the call. */
  readonly peakBytes: number;
  /** Tensors still alive after the call: the outputs and gradients (more means a leak). */
  readonly newTensors: number;
  /** Kernels run (a fused path runs few). */
  readonly kernels: number;
  readonly inputBytes: number;
  /** peakBytes / inputBytes. */
  readonly peakMultiple: number;
}

/** GPU→CPU reads during the op itself (webgl only; the final `await data()` excluded). */
export interface Readbacks {
  readonly forward: number;
  readonly backward: number | null;
}

/** One implementation (featstats or the tfjs composite) of one case at one size. */
export interface Measured {
  readonly forward: Timing;
  /** null when this implementation has no gradient (see the case's note) or it failed. */
  readonly backward: Timing | null;
  /** Why the forward+backward failed on this backend (e.g. a kernel tfjs lacks there). */
  readonly backwardError: string | null;
  readonly memory: Memory | null;
  readonly readbacks: Readbacks | null;
}

/** A time ratio featstats ÷ peer, forward and forward+backward: below 1 featstats is faster. */
export interface Ratio {
  readonly forward: number | null;
  readonly backward: number | null;
}

export interface Ratios {
  readonly composite: Ratio;
  readonly jsLoop: Ratio;
  readonly tfAdd: Ratio;
  readonly torch1: Ratio;
  readonly torchAll: Ratio;
}

/** PyTorch on the CPU for one case and size, one thread and all threads. */
export interface TorchTiming {
  readonly threads: number;
  readonly forward: Timing;
  readonly backward: Timing | null;
}

export interface CaseResult {
  readonly op: string;
  readonly size: SizeName;
  /** Shapes of the differentiable inputs, e.g. `[[8,32,32,512]]`. */
  readonly shapes: number[][];
  /** Elements of the first input: the size of the floor measurements it is compared with. */
  readonly elements: number;
  readonly featstats: Measured | null;
  readonly composite: Measured | null;
  /** Why the composite failed on this backend, if it did. */
  readonly compositeError: string | null;
  /** Max |featstats − composite| / max(1, max|composite|) of the forward outputs (deterministic cases). */
  readonly agreement: number | null;
  readonly torch: { readonly single: TorchTiming | null; readonly all: TorchTiming | null } | null;
  readonly ratios: Ratios | null;
  /** Why featstats (or its forward+backward) was not measured here (see Skip in cases.ts). */
  readonly skipped: string | null;
  /** Set when the case threw (the run goes on; the table shows the message). */
  readonly error: string | null;
  /**
   * The run that measured this case, when a later partial run merged it into results of
   * another (the file's `date` and `versions.commit` name the run the rest come from).
   */
  readonly measured?: RunStamp;
}

/** When and at which commit a run measured. */
export interface RunStamp {
  readonly date: string;
  readonly commit: string;
}

/** The bandwidth floor for n float32 elements: one plain typed-array pass and `tf.add(x, 1)`. */
export interface Floor {
  readonly elements: number;
  readonly jsLoop: Timing;
  /** The same pass into a freshly allocated array each time (absent in results before it was measured). */
  readonly jsLoopFresh?: Timing;
  readonly tfAdd: Timing;
}

export interface Machine {
  readonly os: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
}

export interface Versions {
  readonly featstats: string;
  readonly tfjs: string;
  readonly node: string;
  readonly chromium: string | null;
  readonly webglRenderer: string | null;
  /** The WebGPU adapter's vendor and architecture (chromium-webgpu); absent in results written before webgpu was measured. */
  readonly webgpuAdapter?: string | null;
  readonly torch: string | null;
  /**
   * The BLAS PyTorch ran on (bench/torchRunner.ts `describeBlas`); absent in results
   * written before it was recorded.
   */
  readonly torchBlas?: string | null;
  readonly commit: string;
}

export interface BackendResults {
  readonly generated: string;
  readonly env: Environment;
  readonly backend: BackendName;
  readonly profile: 'full' | 'quick';
  readonly date: string;
  readonly machine: Machine;
  readonly versions: Versions;
  readonly sampling: string;
  /** Sizes this target left out of the run, and why (see RunProfile.omitted). */
  readonly omitted: string | null;
  readonly floors: Floor[];
  readonly cases: CaseResult[];
  readonly wallSeconds: number;
}

/** What the suite returns for one backend, before the runner adds machine, versions and ratios. */
export interface SuiteOutput {
  readonly floors: Floor[];
  readonly cases: CaseResult[];
  readonly wallSeconds: number;
}
