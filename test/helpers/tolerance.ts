/**
 * The one tolerance table, keyed by backend and by check. A float32 result `a` matches
 * a float64 reference `e` when `|a − e| ≤ atol·scale + rtol·|e|`, where each test states
 * its `scale`: the magnitude that first-order float32 error analysis of that op
 * multiplies (e.g. σ_s·max|c|/σ_c + max|s| for adain). Gradients are compared with
 * central finite differences of the float64 reference, with `scale` = max|reference| plus
 * the magnitude of the terms the closed form cancels (where a gradient cancels to ~0).
 *
 * Every loosening carries its reason. Fix the test data before loosening.
 */
import type { BackendName } from './backends';

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

export type Check = 'value' | 'gradient';

export const TOLERANCE: Readonly<Record<BackendName, Readonly<Record<Check, Tolerance>>>> = {
  // float32 ulp is 6e-8 relative; statistics over ≤ 729 positions accumulate a few
  // dozen ulps at worst (cpu sums in float64, wasm in float32).
  cpu: { value: { rtol: 1e-5, atol: 1e-5 }, gradient: { rtol: 1e-4, atol: 1e-4 } },
  wasm: { value: { rtol: 1e-5, atol: 1e-5 }, gradient: { rtol: 1e-4, atol: 1e-4 } },
  // WebGL on SwiftShader stores float32 but its transcendental functions (sqrt, exp)
  // are accurate to ~2⁻¹⁸ rather than half an ulp, hence the looser table.
  webgl: { value: { rtol: 1e-4, atol: 1e-4 }, gradient: { rtol: 1e-3, atol: 1e-3 } },
  // WebGPU on SwiftShader: webgl's row, for the same reasons: float32 throughout on the
  // same CPU emulation, reductions summed in float32 (chunk sums of about √M terms, then
  // their sum) and transcendentals WGSL lets be inexact (inverseSqrt to 2 ulp). The
  // whole webgpu project passes with it, fused and composite; a tighter row is untried.
  webgpu: { value: { rtol: 1e-4, atol: 1e-4 }, gradient: { rtol: 1e-3, atol: 1e-3 } },
};
