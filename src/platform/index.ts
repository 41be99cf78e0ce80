export * from './control-plane-chart';
export * from './mesh-baseline-chart';
export * from './ingress-chart';
export * from './flux-chart';
export * from './platform';
