export { ibaAttribution, type IbaAttribution, type IbaAttributionOptions } from './ibaAttribution';
export { informationBottleneck, type InformationBottleneck, type InformationBottleneckOptions } from './informationBottleneck';
export { WelfordEstimator } from './WelfordEstimator';
