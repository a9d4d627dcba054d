export { ibaAttribution, type IbaAttribution, type IbaAttributionOptions } from './ibaAttribution';
export { ibaAttributionAsync, type IbaAttributionAsyncOptions, type IbaAttributionProgress } from './ibaAttributionAsync';
export { informationBottleneck, type InformationBottleneck, type InformationBottleneckOptions } from './informationBottleneck';
export { WelfordEstimator } from './WelfordEstimator';
