/**
 * Float64 reference of featstats.sort/argsort: a stable sort of each last-axis row
 * (ties keep the lower index first, in both directions). Array.prototype.sort is stable
 * (ES2019), and the comparator breaks ties by index explicitly as well.
 */
export function argsortReference(row: readonly number[], descending = false): number[] {
  const order = row.map((_, i) => i);
  return order.sort((a, b) => {
    const difference = descending ? (row[b] as number) - (row[a] as number) : (row[a] as number) - (row[b] as number);
    return difference !== 0 ? difference : a - b;
  });
}

/** Applies {@link argsortReference} to every last-axis row of flat data. */
export function sortRowsReference(x: ArrayLike<number>, shape: readonly number[], descending = false) {
  const n = shape[shape.length - 1] as number;
  const values = new Float64Array(x.length);
  const indices = new Int32Array(x.length);
  for (let start = 0; start < x.length; start += n) {
    const row = Array.from({ length: n }, (_, j) => x[start + j] as number);
    argsortReference(row, descending).forEach((i, k) => {
      indices[start + k] = i;
      values[start + k] = row[i] as number;
    });
  }
  return { values, indices };
}
