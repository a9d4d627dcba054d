/**
 * featstats: differentiable feature-statistics ops for TensorFlow.js.
 *
 * Every export is a plain function with its own closed-form gradient (`tf.customGrad`),
 * so it trains even when only `@tensorflow/tfjs-core` is loaded. Nothing runs at import.
 *
 * @module featstats
 */
export * from './ops';
export * from './norms';
export * from './losses';
export * from './diagnostics';
export * from './attribution';
export * from './corruptions';
export { getFastPaths, setFastPaths } from './_internal/kernels/dispatch';
export type { DataFormat, ImageDataFormat, SequenceDataFormat, TensorInput } from './_internal/validate';
export type { TiePolicy } from './_internal/ties';
