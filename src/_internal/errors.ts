/**
 * Error construction shared by every op, so messages keep one shape:
 * `featstats.<op>: <argument> must <expectation> but got <actual>`.
 */

/** Formats a shape the way every featstats message prints it: `[2,8,8,3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Builds the one-line error every featstats op throws for bad input. */
export function opError(op: string, message: string): Error {
  return new Error(`featstats.${op}: ${message}`);
}
