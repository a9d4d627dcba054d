export { activationSimilarity } from './activationSimilarity';
export { channelVariance, type ChannelVarianceOptions } from './channelVariance';
export { cosineSimilarityMatrix } from './cosineSimilarityMatrix';
export { probe, type LayerProbe, type ProbeLayer, type ProbeOptions, type ProbeResult } from './probe';
export { probeAsync, type LayerProbeValues, type ProbeAsyncOptions, type ProbeProgress, type ProbeValues } from './probeAsync';
export { stableRank } from './stableRank';
