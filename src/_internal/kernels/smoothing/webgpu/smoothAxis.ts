/**
 * `FeatstatsSmoothAxis` on webgpu (contract in `../contract.ts`): one compute program, one
 * invocation per output element, the port of the webgl shader (`../webgl/smoothAxis.ts`).
 * x is read as `[outer, L, inner]` around the axis where it lies (its buffer is flat, so
 * no transposes and no copies), and `y[o, i, c]` sums `w·x[o, j, c]` over the nonzero
 * entries (j, w) of row i of M (of Mᵀ when transposed), taken from the small `[L, K]`
 * inputs `columns` and `weights` that the contract gathers on the host (where the matrix
 * is built), so nothing is read back from the GPU. A row with fewer than K entries ends at
 * column −1; the loop stops there, so it never multiplies a padding 0 by x (a non-finite
 * input then reaches only the outputs within the kernel's reach, as on the host and on
 * webgl). The sum runs in float32 in increasing column order, the order of the host and
 * webgl kernels.
 *
 * Rows away from the borders share one stencil (attrs `band` and `stencil`, found by the
 * contract): those take their columns from i + offset instead of reading them, and their
 * weights from row `bandStart` of `weights`, which is the stencil itself (`stencilBand`
 * copies it from there), so every invocation of the band reads the same few weights and
 * the stencil needs no input of its own. Same weights, same order: both paths give the
 * same values. WGSL loops may run to a uniform bound, so K and the stencil's length are
 * uniforms and one pipeline serves every matrix and shape (unlike webgl, which bakes K).
 */
import type * as tf from '@tensorflow/tfjs-core';

import { requiredInput, run, sizeOf, Uniforms, webgpuBackend } from '../../webgpu/program';

/** Invocations per workgroup, as the other element-wise webgpu programs. */
const WORKGROUP = 64;

export const smoothAxisWebgpu: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = requiredInput(inputs, 'x');
  const columns = requiredInput(inputs, 'columns');
  const weights = requiredInput(inputs, 'weights');
  const axis = attrs?.['axis'] as number;
  const length = x.shape[axis] as number;
  const inner = sizeOf(x.shape.slice(axis + 1));
  const taps = columns.shape[1] as number;
  const size = sizeOf(x.shape);
  const stencil = (attrs?.['stencil'] as number[] | undefined) ?? [];
  const [start = 0, end = 0, offset = 0] = stencil.length > 0 ? ((attrs?.['band'] as number[] | undefined) ?? []) : [];
  // The axis last (inner 1, a row's taps adjacent in memory) needs neither c nor a
  // division by inner: integer division is the costly part of index arithmetic on a
  // CPU-emulated GPU (SwiftShader).
  const lastAxis = inner === 1;
  const uniforms = new Uniforms()
    .int('size', size)
    .int('len', length)
    .int('inner', inner)
    .int('taps', taps)
    .int('bandStart', start)
    .int('bandEnd', end)
    .int('bandOffset', offset)
    .int('stencilLength', end > start ? stencil.length : 0);
  return run(webgpuBackend(backend), {
    inputs: ['x', 'columns', 'weights'],
    invocations: size,
    outputSize: size,
    workgroupSize: WORKGROUP,
    key: `smoothAxis_${lastAxis ? 'i1' : 'any'}`,
    uniforms,
    code: `
      fn main(index : i32) {
        if (index >= uniforms.size) {
          return;
        }
        ${lastAxis ? 'let row = index;\n        let c = 0;' : 'let row = index / uniforms.inner;\n        let c = index - row * uniforms.inner;'}
        let i = row % uniforms.len;
        // x[o, 0, c], the start of this output's line.
        let line = (row - i) * uniforms.inner + c;
        var sum = 0.0;
        if (i >= uniforms.bandStart && i < uniforms.bandEnd) {
          let first = line + (i + uniforms.bandOffset) * uniforms.inner;
          let stencil = uniforms.bandStart * uniforms.taps;
          for (var t = 0; t < uniforms.stencilLength; t = t + 1) {
            sum = sum + weights[stencil + t] * x[first + t * uniforms.inner];
          }
        } else {
          let entries = i * uniforms.taps;
          for (var t = 0; t < uniforms.taps; t = t + 1) {
            let column = columns[entries + t];
            if (column < 0.0) {
              break;
            }
            sum = sum + weights[entries + t] * x[line + i32(column + 0.5) * uniforms.inner];
          }
        }
        result[index] = sum;
      }
    `,
  }, [x, columns, weights], 'float32', x.shape);
};
