/**
 * Central finite differences of a float64 reference: the vector–Jacobian product
 * `∂⟨dy, f(x)⟩/∂xᵢ ≈ (⟨dy, f(x + hεᵢ)⟩ − ⟨dy, f(x − hεᵢ)⟩)/(2h)`, the reference every
 * op's gradient is compared with. In float64 with h ≈ 1e-6·scale the truncation error
 * (h²·f‴) and the rounding error (1e-16/h) both sit far below float32 precision.
 */
export function vjpByFiniteDifferences(
  f: (x: Float64Array) => ArrayLike<number>,
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
  step = 1e-6,
): Float64Array {
  const point = Float64Array.from(x);
  const gradient = new Float64Array(point.length);
  const dot = (y: ArrayLike<number>) => {
    let total = 0;
    for (let j = 0; j < y.length; j++) total += (y[j] as number) * (dy[j] as number);
    return total;
  };
  for (let i = 0; i < point.length; i++) {
    const original = point[i] as number;
    const h = step * Math.max(1, Math.abs(original));
    point[i] = original + h;
    const plus = dot(f(point));
    point[i] = original - h;
    const minus = dot(f(point));
    point[i] = original;
    gradient[i] = (plus - minus) / (2 * h);
  }
  return gradient;
}
