import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
setWasmPaths(process.cwd() + '/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
import * as fs from '../src';
function time(label: string, f: () => tf.Tensor | tf.Tensor[] | Record<string, tf.Tensor>, n = 5) {
  const run = () => { const r = f(); tf.dispose(r as any); };
  for (let i = 0; i < 2; i++) run();
  const t = performance.now(); for (let i = 0; i < n; i++) run();
  console.log(tf.getBackend(), label, ((performance.now() - t) / n).toFixed(2));
}
async function main() {
  const which = (process.argv[2] ?? 'ib').split(',');
  for (const b of (process.argv[3] ?? 'wasm,cpu').split(',')) {
    await tf.setBackend(b); await tf.ready();
    const feat = tf.randomNormal([8, 32, 32, 512]);
    const img = tf.randomUniform([8, 224, 224, 3]);
    if (which.includes('ib')) {
      const sample = [32, 32, 512];
      const opts = { mean: tf.randomNormal(sample, 0, 0.1), std: tf.add(tf.randomUniform(sample), 0.5), noise: tf.randomNormal([8, 32, 32, 512]), smoothSigma: 1 };
      const alpha = tf.randomUniform(sample, 2, 6);
      time('ib fwd', () => { const o = fs.informationBottleneck(feat, alpha, opts); return [o.output, o.capacity]; });
      const g = tf.grads((r: tf.Tensor, a: tf.Tensor) => { const o = fs.informationBottleneck(r, a, opts); return tf.add(o.output, o.capacity); });
      const dy = tf.randomNormal([8, 32, 32, 512]);
      time('ib fwd+bwd', () => g([feat, alpha], dy));
    }
    if (which.includes('mask')) {
      time('mask fwd', () => fs.randomMask(img, { fraction: 0.5, seed: 1 }));
      const g = tf.grad((x: tf.Tensor) => fs.randomMask(x, { fraction: 0.5, seed: 1 }));
      time('mask fwd+bwd', () => g(img));
    }
    if (which.includes('noise')) {
      time('noise fwd', () => fs.gaussianNoise(img, { std: 0.1, seed: 1 }));
    }
    if (which.includes('ln')) {
      time('ln fwd', () => fs.layerNorm(feat));
      const g = tf.grad((x: tf.Tensor) => fs.layerNorm(x));
      time('ln fwd+bwd', () => g(feat));
      time('gn fwd', () => fs.groupNorm(feat, { groups: 32 }));
      const g2 = tf.grad((x: tf.Tensor) => fs.groupNorm(x, { groups: 32 }));
      time('gn fwd+bwd', () => g2(feat));
    }
  }
}
if (process.argv[2] !== 'profile') main();
export async function profileIb(b: string) {
  await tf.setBackend(b); await tf.ready();
  const feat = tf.randomNormal([8, 32, 32, 512]);
  const sample = [32, 32, 512];
  const opts = { mean: tf.randomNormal(sample, 0, 0.1), std: tf.add(tf.randomUniform(sample), 0.5), noise: tf.randomNormal([8, 32, 32, 512]), smoothSigma: 1 };
  const alpha = tf.randomUniform(sample, 2, 6);
  const g = tf.grads((r: tf.Tensor, a: tf.Tensor) => { const o = fs.informationBottleneck(r, a, opts); return tf.add(o.output, o.capacity); });
  const dy = tf.randomNormal([8, 32, 32, 512]);
  tf.dispose(g([feat, alpha], dy));
  const info = await tf.profile(() => g([feat, alpha], dy));
  const byName: Record<string, number> = {};
  for (const k of info.kernels) byName[k.name] = (byName[k.name] ?? 0) + (await (k.kernelTimeMs as any));
  console.log(b, Object.entries(byName).sort((a, b) => b[1] - a[1]).map(([n, t]) => `${n} ${t.toFixed(1)}`).join(', '));
}
if (process.argv[2] === 'profile') { profileIb('cpu').then(() => profileIb('wasm')); }
