/**
 * tfjs-layers' types that its package index does not export, derived from ones it does.
 * The package has no `exports` map, so a deep type import (`…/dist/engine/topology`)
 * does not resolve for a consumer compiling with moduleResolution node16 or nodenext;
 * these aliases keep featstats' declarations on the public entry only.
 */
import type { layers } from '@tensorflow/tfjs-layers';

/** The base layer's constructor argument (`name`, `trainable`, `dtype`, `inputShape`, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/** The keyword arguments tfjs-layers passes to `call` (`training`, `mask`). */
export type Kwargs = Parameters<layers.Layer['call']>[1];

type DenseArgs = Parameters<typeof layers.dense>[0];

/** A tfjs-layers initializer object. */
export type Initializer = Exclude<NonNullable<DenseArgs['kernelInitializer']>, string>;

/** A tfjs-layers regularizer object. */
export type Regularizer = Exclude<NonNullable<DenseArgs['kernelRegularizer']>, string>;

/** A tfjs-layers constraint object. */
export type Constraint = Exclude<NonNullable<DenseArgs['kernelConstraint']>, string>;
