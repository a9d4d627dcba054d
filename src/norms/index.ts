// Normalization layers (instanceNorm, groupNorm, layerNorm, batchNorm) land here; see
// docs/ARCHITECTURE.md. The barrel exists now so `src/index.ts` has its final shape.
export {};
