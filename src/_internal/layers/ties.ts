/** The `ties` and `seed` config keys of the EFDM and EFDMix layers. */
import { opError } from '../errors';
import type { TiePolicy } from '../ties';
import { describeValue } from '../validate';

/** Validates a `ties` config value; only an absent key takes the default, `'stable'`. */
export function checkLayerTies(value: unknown, layer: string): TiePolicy {
  if (value === undefined) return 'stable';
  if (value !== 'stable' && value !== 'random') throw opError(layer, `ties must be 'stable' or 'random' but got ${describeValue(value)}`);
  return value;
}

/** Validates a `seed` config value: a safe integer, or null/absent for random draws. */
export function checkLayerSeed(value: unknown, layer: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw opError(layer, `seed must be an integer or null but got ${describeValue(value)}`);
  return value;
}
