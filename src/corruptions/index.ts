export { gaussianBlur, type GaussianBlurOptions } from './gaussianBlur';
export { gaussianNoise, type GaussianNoiseOptions } from './gaussianNoise';
export { randomMask, type RandomMaskOptions } from './randomMask';
