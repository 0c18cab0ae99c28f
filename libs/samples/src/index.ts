/**
 * denytrace's own multi-layer sample generator: deterministic logs of an AWS WAF (on CloudFront) →
 * CloudFront → ALB → nginx → app stack in the vendors' formats, with ground truth for every refusal.
 * Used by `denytrace demo` and the benchmarks, so neither needs outside data.
 */
export { Prng } from './prng';
export { generateStack, stackDeploys } from './stack-generator';
export { writeStack, type WriteStackOptions } from './write-stack';
export {
  STACK_FILES, type StackFile, type StackComponent, type StackOptions, type StackItem, type StackLine, type StackTruth, type DenyTruth,
  type TrafficKind,
} from './stack-model';
export type { DeployEvent } from './stack-timeline';
export { CLOUDFRONT_FIELDS, CLOUDFRONT_HEADER } from './cloudfront-line';
export { ALB_FIELD_COUNT } from './alb-line';
export { NGINX_LOG_FORMAT, NGINX_LOG_FORMAT_NAME, NGINX_CONF_SNIPPET } from './nginx-line';
export { NGINX_CLOCK_SKEW_MS } from './stack-simulator';
export { GEO_NETWORKS, SITE_HOST, DISTRIBUTION_DOMAIN, DISTRIBUTION_ID, WEB_ACL_NAME, ALB_NAME, type GeoNetwork } from './stack-world';
