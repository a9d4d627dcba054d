/**
 * Runs part of a tfjs-layers model's graph on concrete tensors. `LayersModel.execute`
 * only starts from the model's inputs; AdvBN's attack and IBA need the model cut at a
 * layer — the features there, then the rest of the network applied to other features.
 * This walks the same graph tfjs-layers builds (each symbolic tensor's source layer and
 * node) and calls each layer's `apply` with the node's own call arguments, as
 * tfjs-layers' executor does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';

import { opError } from '../errors';

/** Where a model is cut: the symbolic output of one of its layers. */
export interface CutPoint {
  readonly layerName: string;
  readonly tensor: SymbolicTensor;
}

/** The symbolic output of the layer named `layerName`, which must have one node and one output. */
export function cutPoint(model: LayersModel, layerName: string, op: string): CutPoint {
  const layer = model.layers.find((candidate) => candidate.name === layerName);
  if (layer === undefined) {
    throw opError(op, `layer must name a layer of the model (${model.layers.map((l) => l.name).join(', ')}) but got '${layerName}'`);
  }
  if (layer.inboundNodes.length !== 1) {
    throw opError(op, `layer '${layerName}' must be called once in the model but it has ${layer.inboundNodes.length} call sites`);
  }
  const output = layer.output;
  if (Array.isArray(output)) throw opError(op, `layer '${layerName}' must have one output but it has ${output.length}`);
  return { layerName, tensor: output };
}

/** How {@link runGraph} evaluates. */
export interface GraphRunOptions {
  /** Values of symbolic tensors given up front (the model's inputs, a cut point). */
  readonly feeds: ReadonlyArray<readonly [SymbolicTensor, tf.Tensor]>;
  /** Passed to every layer as the `training` kwarg. */
  readonly training: boolean;
  /** Replaces the value of one symbolic tensor as soon as it is computed. */
  readonly transform?: { readonly tensor: SymbolicTensor; readonly apply: (value: tf.Tensor) => tf.Tensor };
  /** Called when a needed tensor is a model input that was not fed; must throw. */
  readonly onMissingInput: (input: SymbolicTensor) => never;
}

/** Values of `targets`, computed from the feeds through the graph (call inside a tidy). */
export function runGraph(targets: readonly SymbolicTensor[], options: GraphRunOptions): tf.Tensor[] {
  const values = new Map<number, tf.Tensor>(options.feeds.map(([symbolic, value]) => [symbolic.id, value]));
  const evaluate = (target: SymbolicTensor): tf.Tensor => {
    const known = values.get(target.id);
    if (known !== undefined) return known;
    const node = target.sourceLayer.inboundNodes[target.nodeIndex];
    if (node === undefined || node.inboundLayers.length === 0) return options.onMissingInput(target);
    const inputs = node.inputTensors.map(evaluate);
    const output = target.sourceLayer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { ...node.callArgs, training: options.training });
    const outputs = (Array.isArray(output) ? output : [output]) as tf.Tensor[];
    node.outputTensors.forEach((symbolic, i) => {
      const value = outputs[i] as tf.Tensor;
      values.set(symbolic.id, options.transform !== undefined && symbolic.id === options.transform.tensor.id ? options.transform.apply(value) : value);
    });
    return values.get(target.id) as tf.Tensor;
  };
  return targets.map(evaluate);
}

/** The model's inputs paired with the given values (one tensor or one per input). */
export function inputFeeds(model: LayersModel, x: tf.Tensor | tf.Tensor[], op: string): Array<[SymbolicTensor, tf.Tensor]> {
  const values = Array.isArray(x) ? x : [x];
  if (values.length !== model.inputs.length || !values.every((v) => v instanceof tf.Tensor)) {
    throw opError(op, `x must be ${model.inputs.length === 1 ? 'one tensor' : `${model.inputs.length} tensors`} (the model's inputs) but got ${Array.isArray(x) ? `${x.length} values` : typeof x}`);
  }
  return model.inputs.map((input, i) => [input, values[i] as tf.Tensor]);
}
