/** What the two-input style layers (AdaIN, EFDM) share: `[content, style]` in, content's shape out. */
import type * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';

import { opError } from '../errors';
import { checkRange, resolveDataFormat, type KerasDataFormat } from './kerasConfig';
import { floatInput, inputShapes } from './layerInput';
import type { LayerArgs } from './tfjsLayersTypes';

/** Arguments every style layer takes. */
export interface StyleLayerArgs extends LayerArgs {
  /** Blend between the stylised features (1) and the content (0); in [0, 1]. Default 1. */
  alpha?: number;
  /** `'channelsLast'` (`[N, ...S, C]`, default) or `'channelsFirst'` (`[N, C, ...S]`). */
  dataFormat?: KerasDataFormat;
}

/** A layer of two inputs `[content, style]` whose output is shaped like the content. */
export abstract class StyleLayer extends layers.Layer {
  /** Blend between the stylised features (1) and the content (0). */
  readonly alpha: number;
  /** Layout of both inputs. */
  readonly dataFormat: KerasDataFormat;
  protected readonly layout: 'NHWC' | 'NCHW';

  /** `args` must already have passed `checkLayerArgs` under the layer's name. */
  constructor(args: StyleLayerArgs, layerName: string) {
    super(args);
    this.alpha = checkRange(args.alpha, 1, 'alpha', layerName, { min: 0, max: 1 });
    ({ dataFormat: this.dataFormat, layout: this.layout } = resolveDataFormat(args.dataFormat, layerName));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShapes(inputShape, 2, this.getClassName()) as [Shape, Shape])[0];
  }

  /** The content and style tensors, float32. */
  protected contentAndStyle(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor] {
    const layerName = this.getClassName();
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw opError(layerName, `inputs must be a list [content, style] but got ${Array.isArray(inputs) ? `${inputs.length} tensors` : 'one tensor'}`);
    }
    return [floatInput(inputs[0] as tf.Tensor, 'content', layerName), floatInput(inputs[1] as tf.Tensor, 'style', layerName)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha, dataFormat: this.dataFormat };
  }
}
