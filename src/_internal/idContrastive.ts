/**
 * The IEContraAST style and content losses are one computation with the roles of the two
 * id lists swapped: this is it, validated and run under the calling op's name.
 */
import * as tf from '@tensorflow/tfjs-core';

import { contrastiveLoss, type Reduction } from './contrastive';
import { embeddingsTensor, readIds, resolveContrastiveOptions, type IdsInput } from './contrastiveInputs';
import { idContrastiveTerms } from './contrastivePlans';
import { opError } from './errors';
import { checkOptions, type TensorInput } from './validate';

/** Options of {@link styleContrastiveLoss} and {@link contentContrastiveLoss}. */
export interface IdContrastiveLossOptions {
  /** Style id of each row of `emb` (the style image it was made from); length N. Required. */
  styleIds: IdsInput;
  /** Content id of each row of `emb` (the content image it was made from); length N. Required. */
  contentIds: IdsInput;
  /** τ > 0 dividing the cosine similarities. Default 0.2 (the paper's). */
  temperature?: number;
  /** L2-normalise every row first, safely at zero rows. Default true (the paper normalises). */
  normalize?: boolean;
  /**
   * `'sum'` over the anchors (default, as the paper's code), `'mean'` over the anchors that
   * have a positive, or `'none'` for the per-anchor losses `[N]` (0 without a positive).
   */
  reduction?: Reduction;
}

/** The loss whose positives share `primary`'s id ('styleIds' for the style loss). */
export function idContrastiveLoss(
  emb: TensorInput,
  options: IdContrastiveLossOptions | undefined,
  primary: 'styleIds' | 'contentIds',
  op: string,
): tf.Tensor {
  const given = checkOptions(options, ['styleIds', 'contentIds', 'temperature', 'normalize', 'reduction'], op);
  const resolved = resolveContrastiveOptions(given, { temperature: 0.2, reduction: 'sum' }, op);
  const secondary = primary === 'styleIds' ? 'contentIds' : 'styleIds';
  return tf.tidy(`featstats.${op}`, () => {
    const embeddings = embeddingsTensor(emb, 'emb', op);
    const n = embeddings.shape[0];
    const primaryIds = readIds(given[primary], primary, n, 'emb', op);
    const secondaryIds = readIds(given[secondary], secondary, n, 'emb', op);
    const plan = idContrastiveTerms(primaryIds, secondaryIds);
    if (plan.counted === 0) {
      const what = primary === 'styleIds' ? 'same style, different content' : 'same content, different style';
      throw opError(op, `styleIds and contentIds must give some row a positive (${what}) but got none`);
    }
    return contrastiveLoss([embeddings], { ...resolved, ...plan });
  });
}
