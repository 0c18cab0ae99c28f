export * from './format.types';
export * from './generic.format';
export * from './slack.format';
export * from './pagerduty.format';
