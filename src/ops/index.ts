export { adain, type AdainOptions } from './adain';
export { adversarialMeanStd, type AdversarialMeanStd, type AdversarialMeanStdOptions } from './adversarialMeanStd';
export { adversarialMeanStdAsync, type AdversarialMeanStdAsyncOptions, type AdversarialMeanStdProgress } from './adversarialMeanStdAsync';
export { argsort } from './argsort';
export { efdm, type EfdmOptions } from './efdm';
export { efdmix, type EfdmixMode, type EfdmixOptions } from './efdmix';
export { MEAN_STD_EPSILON, meanStd, type MeanStd, type MeanStdOptions } from './meanStd';
export { perturbMeanStd, type PerturbMeanStdOptions } from './perturbMeanStd';
export { sort, type SortOptions } from './sort';
