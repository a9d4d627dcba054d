import { checkInteger } from '../_internal/validate';

const OP = 'ieContraAstIds';

/**
 * Largest `half`: the losses form an N×N matrix of the N = 2·half rows, which beyond
 * 2¹⁷ rows no backend could hold; the bound also keeps the id arrays allocatable.
 */
const MAX_HALF = 2 ** 16;

/** Style and content ids of the rows of an IEContraAST training batch. */
export interface IeContraAstIds {
  /** Style id of each row: `[0, 1, …, half − 1]` twice. */
  styleIds: number[];
  /** Content id of each row: `[0, 1, …, half − 1]`, then `[1, 2, …, half − 1, 0]` (each cᵢ₊₁). */
  contentIds: number[];
}

/**
 * The id layout of IEContraAST's training batch: 2·half stylisations, first (cᵢ, sᵢ) for
 * i = 0…half − 1, then (c₍ᵢ₊₁₎ mod half, sᵢ). For {@link styleContrastiveLoss} and
 * {@link contentContrastiveLoss} every row then has exactly 1 positive and 2·half − 3
 * negatives (9 for the paper's half = 6).
 *
 * @param half Number of content/style pairs, an integer ≥ 2. Default 6 (a batch of 12, as the paper).
 * @returns `{ styleIds, contentIds }`, each of length 2·half.
 * @throws If half is not an integer in [2, 2¹⁶].
 *
 * @example
 * ```ts
 * ieContraAstIds(3).styleIds; // [0, 1, 2, 0, 1, 2]
 * ieContraAstIds(3).contentIds; // [0, 1, 2, 1, 2, 0]
 * ```
 * @see H. Chen, L. Zhao, Z. Wang, H. Zhang, Z. Zuo, A. Li, W. Xing, D. Lu, "Artistic Style Transfer
 *   with Internal-External Learning and Contrastive Learning", NeurIPS 2021.
 */
export function ieContraAstIds(half = 6): IeContraAstIds {
  checkInteger(half, 'half', OP, { min: 2, max: MAX_HALF });
  const pairs = Array.from({ length: half }, (_, i) => i);
  return { styleIds: [...pairs, ...pairs], contentIds: [...pairs, ...pairs.map((i) => (i + 1) % half)] };
}
