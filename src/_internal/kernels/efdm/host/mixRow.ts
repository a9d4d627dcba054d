/**
 * EFDMix's mix of one row: `out[order[k]] = theirs[k]·wPartner + own[k]·wSelf` in
 * float32, each product rounded to float32 and then the sum (the composite's float32
 * multiplies and add: `blendRows` after `scatterRows`), on float32 bits. Rows of length
 * n. Where the sort runs in its WebAssembly module, the row goes through the module's
 * `mix` (the rows are in its memory already); else a TypeScript loop, which rounds float64
 * products and their sum to float32 and so gives the same values.
 */
import type { SortScratch } from '../../sort/host/radixSort';

export function mixRow(
  scratch: SortScratch,
  rows: { readonly own: Uint32Array; readonly theirs: Uint32Array; readonly order: Int32Array; readonly out: Uint32Array },
  weights: { readonly partner: number; readonly self: number },
): void {
  const { own, theirs, order, out } = rows;
  const n = scratch.n;
  if (scratch.engine === 'wasm') {
    // Three block copies in and one out (4 KiB each for n = 1024) cost far less than the
    // JavaScript scatter they spare. The sort's buffers are free between sorts.
    scratch.row.bits.set(own);
    scratch.row.order.set(order);
    scratch.row.sorted.set(theirs);
    scratch.module.mix(n, weights.partner, weights.self);
    out.set(scratch.row.mixed);
    return;
  }
  const [ownValues, theirValues, outValues] = [own, theirs, out].map((t) => new Float32Array(t.buffer, t.byteOffset, n)) as [Float32Array, Float32Array, Float32Array];
  const { partner: wPartner, self: wSelf } = weights;
  // Four per iteration: V8 does not unroll, and the loop's overhead is a large share of so
  // little arithmetic.
  let k = 0;
  for (; k + 3 < n; k += 4) {
    outValues[order[k] as number] = Math.fround((theirValues[k] as number) * wPartner) + Math.fround((ownValues[k] as number) * wSelf);
    outValues[order[k + 1] as number] = Math.fround((theirValues[k + 1] as number) * wPartner) + Math.fround((ownValues[k + 1] as number) * wSelf);
    outValues[order[k + 2] as number] = Math.fround((theirValues[k + 2] as number) * wPartner) + Math.fround((ownValues[k + 2] as number) * wSelf);
    outValues[order[k + 3] as number] = Math.fround((theirValues[k + 3] as number) * wPartner) + Math.fround((ownValues[k + 3] as number) * wSelf);
  }
  for (; k < n; k++) outValues[order[k] as number] = Math.fround((theirValues[k] as number) * wPartner) + Math.fround((ownValues[k] as number) * wSelf);
}
