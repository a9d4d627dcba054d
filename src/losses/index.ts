export type { Reduction as LossReduction } from '../_internal/contrastive';
export type { IdsInput } from '../_internal/contrastiveInputs';
export { contentContrastiveLoss, type ContentContrastiveLossOptions } from './contentContrastiveLoss';
export { contrastiveDistillation, type ContrastiveDistillationOptions } from './contrastiveDistillation';
export { ieContraAstIds, type IeContraAstIds } from './ieContraAstIds';
export { infoNCE, type InfoNCEOptions } from './infoNCE';
export { ntXent, type NtXentOptions } from './ntXent';
export { styleContrastiveLoss, type StyleContrastiveLossOptions } from './styleContrastiveLoss';
export { supCon, type SupConOptions } from './supCon';
