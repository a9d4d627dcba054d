// Draws the two demo images procedurally, so their licence is ours to give (CC0-1.0, see
// images/LICENSE.md): a cool-coloured landscape as the content and a warm, abstract sunset
// of brush strokes as the style. Both are 160×120 RGB, so EFDM needs no resampling and its
// histograms must match the style's exactly. Pixels depend only on the seeds below; the
// PNG bytes may differ with Node's zlib. Run once, commit the output:
//
//   node demo/makeImages.mjs        → demo/images/content.png, demo/images/style.png
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const WIDTH = 160;
const HEIGHT = 120;
const CONTENT_SEED = 20240611;
const STYLE_SEED = 7081;
const outputDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'images');

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp01 = (v) => Math.min(1, Math.max(0, v));
const mix = (a, b, t) => a.map((v, i) => v + (b[i] - v) * t);
const smoothstep = (e0, e1, v) => {
  const t = clamp01((v - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
};
const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);

/** An RGB float image in [0, 1] with alpha blending of single pixels. */
function createImage(width, height, fill = [1, 1, 1]) {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(fill, i * 3);
  return {
    width,
    height,
    data,
    blend(x, y, rgb, alpha = 1) {
      if (x < 0 || y < 0 || x >= width || y >= height || alpha <= 0) return;
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) data[o + k] += (rgb[k] - data[o + k]) * Math.min(1, alpha);
    },
  };
}

/** 2-D value noise on a lattice of `cell` pixels, smooth-interpolated, in [0, 1]. */
function valueNoise(random, cell) {
  const size = 64;
  const lattice = Float32Array.from({ length: size * size }, random);
  const at = (i, j) => lattice[(((j % size) + size) % size) * size + (((i % size) + size) % size)];
  return (x, y) => {
    const fx = x / cell;
    const fy = y / cell;
    const i = Math.floor(fx);
    const j = Math.floor(fy);
    const tx = smoothstep(0, 1, fx - i);
    const ty = smoothstep(0, 1, fy - j);
    const top = at(i, j) + (at(i + 1, j) - at(i, j)) * tx;
    const bottom = at(i, j + 1) + (at(i + 1, j + 1) - at(i, j + 1)) * tx;
    return top + (bottom - top) * ty;
  };
}

/** Fractal sum of value-noise octaves (cells base, base/2, …), in [0, 1]. */
function fbm(random, base, octaves) {
  const layers = Array.from({ length: octaves }, (_, o) => valueNoise(random, base / 2 ** o));
  const norm = layers.reduce((sum, _, o) => sum + 0.5 ** o, 0);
  return (x, y) => layers.reduce((sum, noise, o) => sum + noise(x, y) * 0.5 ** o, 0) / norm;
}

/** A ridge line y(x): a horizon at `base` with a few random sines of amplitude ≤ `amplitude`. */
function ridge(random, base, amplitude, waves) {
  const terms = Array.from({ length: waves }, (_, k) => ({
    frequency: (0.01 + random() * 0.03) * (k + 1),
    phase: random() * Math.PI * 2,
    weight: amplitude / (k + 1),
  }));
  return (x) => base - terms.reduce((sum, t) => sum + t.weight * Math.sin(x * t.frequency + t.phase), 0);
}

/** Content: sky gradient with clouds, a sun, hazy mountains, three hill layers, pines. */
function drawContent(random) {
  const image = createImage(WIDTH, HEIGHT);
  const clouds = fbm(random, 40, 4);
  const grain = fbm(random, 6, 3);
  const sun = { x: 118, y: 30, radius: 10 };
  const skyTop = hex('#1d4e89');
  const skyHorizon = hex('#b9dcf0');
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      let rgb = mix(skyTop, skyHorizon, smoothstep(0, 75, y));
      const cloud = smoothstep(0.5, 0.75, clouds(x * 0.6, y * 1.8)) * (1 - smoothstep(40, 70, y));
      rgb = mix(rgb, [0.97, 0.98, 1], cloud * 0.85);
      const d = Math.hypot(x - sun.x, y - sun.y);
      rgb = mix(rgb, hex('#fff6c8'), 0.55 * Math.exp(-((d / (sun.radius * 2.6)) ** 2)));
      if (d < sun.radius) rgb = mix(rgb, hex('#fffbe6'), smoothstep(sun.radius, sun.radius - 1.2, d));
      image.data.set(rgb, (y * WIDTH + x) * 3);
    }
  }

  // Back to front: each layer is darker, greener and less hazy than the one behind it.
  const layers = [
    { line: ridge(random, 62, 14, 4), top: hex('#7d8fb3'), bottom: hex('#9fb0c8'), texture: 0.03 },
    { line: ridge(random, 76, 9, 3), top: hex('#5f8f6a'), bottom: hex('#46755a'), texture: 0.06 },
    { line: ridge(random, 90, 7, 3), top: hex('#4a8a3c'), bottom: hex('#2f6b30'), texture: 0.09 },
    { line: ridge(random, 104, 5, 3), top: hex('#3f7d2a'), bottom: hex('#1f4f1c'), texture: 0.12 },
  ];
  for (const layer of layers) {
    for (let x = 0; x < WIDTH; x++) {
      const top = layer.line(x);
      for (let y = Math.max(0, Math.floor(top)); y < HEIGHT; y++) {
        const depth = smoothstep(top, top + 30, y);
        const shade = mix(layer.top, layer.bottom, depth);
        const textured = shade.map((v) => v + (grain(x, y + top) - 0.5) * layer.texture * 2);
        image.blend(x, y, textured, clamp01(y + 1 - top)); // antialiased ridge edge
      }
    }
  }

  // Pines on the second hill: stacked triangles on a trunk.
  const pineLine = layers[1].line;
  for (let k = 0; k < 9; k++) {
    const cx = 8 + k * 17 + Math.floor(random() * 9);
    const base = pineLine(cx) + 4;
    const height = 12 + random() * 9;
    const halfWidth = height * 0.28;
    for (let y = Math.floor(base - height); y <= base; y++) {
      const t = (y - (base - height)) / height; // 0 at the tip, 1 at the base
      const tier = 0.55 + 0.45 * ((t * 3) % 1); // three tiers of branches
      const w = halfWidth * t * tier;
      for (let x = Math.floor(cx - w - 1); x <= Math.ceil(cx + w + 1); x++) {
        const edge = clamp01(w + 0.5 - Math.abs(x - cx));
        image.blend(x, y, mix(hex('#143d1e'), hex('#2a5a2c'), x > cx ? 0 : 0.6), edge);
      }
    }
    for (let y = Math.floor(base); y < base + 3; y++) image.blend(Math.round(cx), y, hex('#3b2a1a'), 1);
  }

  // Fine sensor-like noise, ±2.5 levels.
  for (let i = 0; i < image.data.length; i++) image.data[i] += (random() - 0.5) * (5 / 255);
  return image;
}

/** Squared distance from p to the segment ab, and the position t ∈ [0, 1] along it. */
function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = clamp01(((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1));
  return { d2: (px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2, t };
}

/** One painterly stroke: a bent polyline of width w with bristle streaks and soft edges. */
function paintStroke(image, random, { x, y, angle, length, width, color, opacity }) {
  const bend = (random() - 0.5) * 0.8;
  const points = Array.from({ length: 6 }, (_, k) => {
    const s = k / 5 - 0.5;
    const a = angle + bend * s;
    return [x + Math.cos(a) * s * length, y + Math.sin(a) * s * length + bend * length * 0.2 * s * s];
  });
  // Bristle streaks along the stroke, 3–6 px apart (finer ones would alias into moiré).
  const bristles = { frequency: 1 + random() * 1.1, phase: random() * 6.28, depth: 0.04 + random() * 0.08 };
  const half = width / 2;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  for (let py = Math.floor(Math.min(...ys) - half - 1); py <= Math.max(...ys) + half + 1; py++) {
    for (let px = Math.floor(Math.min(...xs) - half - 1); px <= Math.max(...xs) + half + 1; px++) {
      let best = { d2: Infinity, t: 0, k: 0 };
      for (let k = 0; k < points.length - 1; k++) {
        const hit = segmentDistance(px, py, ...points[k], ...points[k + 1]);
        if (hit.d2 < best.d2) best = { ...hit, k };
      }
      const d = Math.sqrt(best.d2);
      if (d > half + 1) continue;
      const along = (best.k + best.t) / (points.length - 1); // 0..1 along the stroke
      const taper = smoothstep(0, 0.12, along) * smoothstep(1, 0.75, along); // dry brush at the end
      const across = (px - x) * Math.sin(angle) - (py - y) * Math.cos(angle);
      const streak = 1 + bristles.depth * Math.sin(across * bristles.frequency + bristles.phase);
      const alpha = opacity * clamp01(half + 0.5 - d) * (0.35 + 0.65 * taper);
      image.blend(px, py, color.map((v) => v * streak), alpha);
    }
  }
}

/** Style: a warm abstract sunset: sky bands, a low sun, dark ground, ~300 brush strokes. */
function drawStyle(random) {
  // Sky from dark violet at the top to pale gold at the horizon (y ≈ 80).
  const bands = ['#2b0b3f', '#6a0f4f', '#b3123f', '#e8431f', '#f7892a', '#fcc447', '#fde58a'].map(hex);
  const bandAt = (v) => {
    const f = clamp01(v) * (bands.length - 1);
    const i = Math.min(bands.length - 2, Math.floor(f));
    return mix(bands[i], bands[i + 1], f - i);
  };
  const horizon = 80;
  const skyAt = (y, jitter) => bandAt(y / horizon + jitter);
  const groundAt = (y) => mix(hex('#4a1030'), hex('#12061a'), smoothstep(horizon, HEIGHT, y));
  const image = createImage(WIDTH, HEIGHT);
  const warp = fbm(random, 30, 3);
  const sun = { x: 58, y: 66, radius: 15 };
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      let rgb = y >= horizon ? groundAt(y) : skyAt(y, (warp(x, y) - 0.5) * 0.25);
      const d = Math.hypot(x - sun.x, y - sun.y);
      if (y < horizon) rgb = mix(rgb, hex('#fff1a8'), smoothstep(sun.radius + 1, sun.radius - 1, d));
      image.data.set(rgb, (y * WIDTH + x) * 3);
    }
  }

  for (let k = 0; k < 300; k++) {
    const inSky = k < 190;
    const x = random() * WIDTH;
    const y = inSky ? random() * (horizon + 2) : horizon + random() * (HEIGHT - horizon + 4);
    const onSun = inSky && Math.hypot(x - sun.x, y - sun.y) < sun.radius;
    let color;
    if (onSun) color = mix(hex('#fff1a8'), hex('#ffc23a'), random());
    else if (inSky) color = skyAt(y, (random() - 0.5) * 0.3);
    else color = mix(groundAt(y), [hex('#8a1c2b'), hex('#c2401d'), hex('#2a0a2e')][Math.floor(random() * 3)], 0.6);
    // Sky strokes sweep near-horizontally; ground strokes are shorter, steeper dabs.
    paintStroke(image, random, {
      x,
      y,
      angle: (random() - 0.5) * (inSky ? 0.45 : 0.9),
      length: onSun ? 6 + random() * 8 : inSky ? 14 + random() * 26 : 6 + random() * 12,
      width: onSun ? 2 + random() * 2 : 2.5 + random() * (inSky ? 4.5 : 3),
      color,
      opacity: 0.75 + random() * 0.25,
    });
  }
  // The sun's reflection: bright horizontal streaks on the ground below it.
  for (let k = 0; k < 16; k++) {
    const y = horizon + 3 + random() * (HEIGHT - horizon - 6);
    const spread = 10 + (y - horizon) * 0.8;
    paintStroke(image, random, {
      x: sun.x + (random() - 0.5) * spread,
      y,
      angle: (random() - 0.5) * 0.1,
      length: 8 + random() * 14,
      width: 1.5 + random() * 1.5,
      color: mix(hex('#ff8a2a'), hex('#ffe27a'), random()),
      opacity: 0.9,
    });
  }
  // Canvas weave: faint high-frequency texture, ±2 levels.
  for (let i = 0; i < image.data.length; i++) image.data[i] += (random() - 0.5) * (4 / 255);
  return image;
}

/** Encodes an RGB float image as an 8-bit RGB PNG (no alpha channel). */
function writePng(image, file) {
  const png = new PNG({ width: image.width, height: image.height, colorType: 2 });
  for (let i = 0; i < image.width * image.height; i++) {
    for (let k = 0; k < 3; k++) png.data[i * 4 + k] = Math.round(clamp01(image.data[i * 3 + k]) * 255);
    png.data[i * 4 + 3] = 255;
  }
  const bytes = PNG.sync.write(png, { colorType: 2, deflateLevel: 9 });
  writeFileSync(file, bytes);
  console.log(`${path.relative(process.cwd(), file)}: ${image.width}×${image.height}, ${bytes.length} bytes`);
}

mkdirSync(outputDir, { recursive: true });
writePng(drawContent(mulberry32(CONTENT_SEED)), path.join(outputDir, 'content.png'));
writePng(drawStyle(mulberry32(STYLE_SEED)), path.join(outputDir, 'style.png'));
