/**
 * Option handling shared by the random image corruptions (`randomMask`, `gaussianNoise`):
 * a parameter given as one number or as a `[lo, hi]` range drawn per image. (Their seed:
 * `resolveSeed` in `random.ts`.)
 */
import { opError } from './errors';
import type { Uniform } from './random';

/**
 * Validates a value or `[lo, hi]` range within [min, max] and returns it as a range
 * (a number v becomes [v, v]).
 */
export function checkValueOrRange(value: unknown, arg: string, op: string, bounds: { min: number; max?: number }): [number, number] {
  const { min, max = Infinity } = bounds;
  const within = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
  if (within(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && within(value[0]) && within(value[1]) && value[0] <= value[1]) {
    return [value[0], value[1]];
  }
  const interval = max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`;
  const ordered = max === Infinity ? `${min} <= lo <= hi` : `${min} <= lo <= hi <= ${max}`;
  const got = Array.isArray(value) ? `[${value.map(String).join(',')}]` : String(value);
  throw opError(op, `${arg} must be a finite number ${interval} or a range [lo, hi] with ${ordered} but got ${got}`);
}

/** One image's parameter: lo + (hi − lo)·U, drawing nothing when lo = hi (so v and [v, v] agree). */
export function drawInRange([lo, hi]: readonly [number, number], uniform: Uniform): number {
  return lo === hi ? lo : lo + (hi - lo) * uniform();
}
