export { BATCH_NORM_MOMENTUM, batchNorm, type BatchNormOptions } from './batchNorm';
export { groupNorm, type GroupNormOptions } from './groupNorm';
export { instanceNorm, type InstanceNormOptions } from './instanceNorm';
export { layerNorm, type LayerNormOptions } from './layerNorm';
export { NORM_EPSILON, type NormOptions } from '../_internal/normOptions';
