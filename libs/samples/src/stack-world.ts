/**
 * The invented world the sample stack runs in: names, networks, services and rules. Every name is
 * under example.com / example.net, every client address in a documentation range (RFC 5737
 * 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849 2001:db8::/32), every account id the AWS
 * documentation placeholder. The private 10.0.0.0/8 addresses are the VPC side of the load balancer.
 */

/** Alternate domain name the viewers use. */
export const SITE_HOST = 'shop.example.com';
/** CloudFront distribution id and its default domain (`cs(Host)` in the CloudFront log). */
export const DISTRIBUTION_ID = 'E3QEXAMPLEZ9KT';
export const DISTRIBUTION_DOMAIN = 'd3rx7example0q.cloudfront.net';

export const ACCOUNT_ID = '123456789012';
export const WEB_ACL_NAME = 'shop-edge-acl';
export const WEB_ACL_ARN = `arn:aws:wafv2:us-east-1:${ACCOUNT_ID}:global/webacl/${WEB_ACL_NAME}/0b7c1e52-8d4f-4a39-9e61-3f2a5d8c7b10`;

/** Web ACL rules in priority order (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing.html). */
export const WAF_GEO_RULE = 'geo-block-countries';
export const WAF_RATE_RULE = 'login-rate-limit';
export const WAF_CRS_RULE = 'AWS-AWSManagedRulesCommonRuleSet';
export const WAF_CRS_GROUP = 'AWS#AWSManagedRulesCommonRuleSet';
export const WAF_KBI_RULE = 'AWS-AWSManagedRulesKnownBadInputsRuleSet';
export const WAF_KBI_GROUP = 'AWS#AWSManagedRulesKnownBadInputsRuleSet';
/** Countries the geo rule blocks outside incidents. */
export const WAF_GEO_BLOCKED: readonly string[] = ['IR'];
/** Rate-based rule: aggregate key IP, scope-down `POST /v1/auth/login`. */
export const RATE_LIMIT = 100;
export const RATE_WINDOW_SEC = 300;
export const RATE_RULE_ARN = `arn:aws:wafv2:us-east-1:${ACCOUNT_ID}_MANAGED:global/ipset/7d3e9a41-52c8-4b06-a1f7-6e0c2b9d4a83_IPV4/7d3e9a41-52c8-4b06-a1f7-6e0c2b9d4a83`;

/** CloudFront geographic restriction (deny list). */
export const CLOUDFRONT_GEO_RESTRICTED: readonly string[] = ['KP'];

export const ALB_NAME = 'app/shop-prod-alb/8f3c2a1b9d7e6f50';
export const ALB_TARGET_GROUP_ARN = `arn:aws:elasticloadbalancing:us-west-2:${ACCOUNT_ID}:targetgroup/shop-nginx/2c9e4f7a1b3d5e60`;
export const ALB_CERT_ARN = `arn:aws:acm:us-west-2:${ACCOUNT_ID}:certificate/9a1f3c5e-7b2d-4e6f-8a0c-1d3e5f7a9b2c`;
/** Listener rule priorities: 3 `/internal/*` → fixed-response 403; 20 host header → forward. */
export const ALB_INTERNAL_RULE_PRIORITY = 3;
export const ALB_FORWARD_RULE_PRIORITY = 20;
/** nginx targets (both write to the one nginx.log of the sample). */
export const NGINX_TARGETS: readonly string[] = ['10.0.21.17', '10.0.22.41'];

/** The nginx `location /admin/` allow-list: offices only. */
export const ADMIN_ALLOW_LIST: readonly string[] = ['198.51.100.32/28', '203.0.113.224/28', '2001:db8:c0de::/48'];
export const NGINX_ADMIN_RULE_ID = 'admin-allowlist';

/** What a client network is used for in the simulation. */
export type NetworkUse = 'consumer' | 'hosting' | 'office';

/** One row of the world's GeoIP table (`geoip.csv`): network, ISO country, ISO 3166-2 region, owner. */
export interface GeoNetwork {
  network: string;
  country: string;
  region: string;
  organization: string;
  use: NetworkUse;
  /** Share of consumer traffic (consumer networks only). */
  weight: number;
}

export const GEO_NETWORKS: readonly GeoNetwork[] = [
  { network: '192.0.2.0/28', country: 'US', region: 'US-CA', organization: 'Example Broadband', use: 'consumer', weight: 8 },
  { network: '192.0.2.16/28', country: 'US', region: 'US-NY', organization: 'Example Fiber', use: 'consumer', weight: 6 },
  { network: '192.0.2.32/28', country: 'CA', region: 'CA-ON', organization: 'Example Telecom CA', use: 'consumer', weight: 3 },
  { network: '192.0.2.48/28', country: 'GB', region: 'GB-ENG', organization: 'Example Mobile UK', use: 'consumer', weight: 4 },
  { network: '192.0.2.64/28', country: 'DE', region: 'DE-BY', organization: 'Example Kabel', use: 'consumer', weight: 4 },
  { network: '192.0.2.80/28', country: 'FR', region: 'FR-ARA', organization: 'Example Telecom FR', use: 'consumer', weight: 3 },
  { network: '192.0.2.96/28', country: 'BR', region: 'BR-SP', organization: 'Example Fibra', use: 'consumer', weight: 3 },
  { network: '192.0.2.112/28', country: 'BR', region: 'BR-RJ', organization: 'Example Movel', use: 'consumer', weight: 2 },
  { network: '198.51.100.0/28', country: 'JP', region: 'JP-13', organization: 'Example Hikari', use: 'consumer', weight: 3 },
  { network: '198.51.100.16/28', country: 'IN', region: 'IN-MH', organization: 'Example Broadband IN', use: 'consumer', weight: 3 },
  { network: '198.51.100.32/28', country: 'US', region: 'US-WA', organization: 'Example Shop Inc. HQ', use: 'office', weight: 0 },
  { network: '198.51.100.48/28', country: 'AU', region: 'AU-NSW', organization: 'Example Internet AU', use: 'consumer', weight: 2 },
  { network: '198.51.100.64/28', country: 'NL', region: 'NL-NH', organization: 'Example Hosting NL', use: 'hosting', weight: 0 },
  { network: '198.51.100.80/28', country: 'US', region: 'US-VA', organization: 'Example Cloud', use: 'hosting', weight: 0 },
  { network: '198.51.100.96/28', country: 'IR', region: 'IR-23', organization: 'Example Telecom IR', use: 'consumer', weight: 0.2 },
  { network: '198.51.100.112/28', country: 'KP', region: 'KP-01', organization: 'Example Net KP', use: 'consumer', weight: 0.15 },
  { network: '198.51.100.128/26', country: 'US', region: 'US-TX', organization: 'Example Cable', use: 'consumer', weight: 6 },
  { network: '198.51.100.192/26', country: 'MX', region: 'MX-CMX', organization: 'Example Cable MX', use: 'consumer', weight: 2 },
  { network: '203.0.113.0/26', country: 'US', region: 'US-IL', organization: 'Example Wireless', use: 'consumer', weight: 5 },
  { network: '203.0.113.64/27', country: 'ES', region: 'ES-MD', organization: 'Example Fibra ES', use: 'consumer', weight: 2 },
  { network: '203.0.113.96/27', country: 'BR', region: 'BR-MG', organization: 'Example Net BR', use: 'consumer', weight: 2 },
  { network: '203.0.113.128/27', country: 'SG', region: 'SG-01', organization: 'Example Hosting SG', use: 'hosting', weight: 0 },
  { network: '203.0.113.160/27', country: 'DE', region: 'DE-HE', organization: 'Example Datacenter', use: 'hosting', weight: 0 },
  { network: '203.0.113.192/27', country: 'IT', region: 'IT-25', organization: 'Example Fibra IT', use: 'consumer', weight: 2 },
  { network: '203.0.113.224/28', country: 'GB', region: 'GB-SCT', organization: 'Example Shop Inc. Branch', use: 'office', weight: 0 },
  { network: '203.0.113.240/28', country: 'PL', region: 'PL-14', organization: 'Example Hosting PL', use: 'hosting', weight: 0 },
  { network: '2001:db8:1100::/40', country: 'US', region: 'US-CA', organization: 'Example Mobile US', use: 'consumer', weight: 5 },
  { network: '2001:db8:1200::/40', country: 'DE', region: 'DE-NW', organization: 'Example Mobil DE', use: 'consumer', weight: 3 },
  { network: '2001:db8:1300::/40', country: 'BR', region: 'BR-SP', organization: 'Example Movel BR', use: 'consumer', weight: 3 },
  { network: '2001:db8:1400::/40', country: 'JP', region: 'JP-27', organization: 'Example Mobile JP', use: 'consumer', weight: 2 },
  { network: '2001:db8:c0de::/48', country: 'US', region: 'US-WA', organization: 'Example Shop Inc. HQ', use: 'office', weight: 0 },
];

/** CloudFront origin-facing addresses the ALB logs as `client:port` (here 192.0.2.128/26, not in the GeoIP table). */
export const EDGE_ORIGIN_NETWORK = '192.0.2.128/26';

/** CloudFront edge locations (`x-edge-location`) by viewer country; `*` for the rest. */
export const EDGE_LOCATIONS: Readonly<Record<string, readonly string[]>> = {
  US: ['IAD61-P1', 'SEA19-C2', 'ORD56-P4', 'DFW57-P2', 'LAX50-C3'],
  CA: ['YTO53-P1'], GB: ['LHR61-P3', 'MAN51-C1'], DE: ['FRA56-P5', 'MUC50-C1'], FR: ['CDG55-P2'],
  BR: ['GRU3-C1', 'GIG51-P1'], JP: ['NRT57-P3', 'KIX56-P1'], IN: ['BOM78-P2'], AU: ['SYD62-P1'],
  NL: ['AMS58-P4'], MX: ['QRO51-C1'], ES: ['MAD53-P2'], IT: ['MXP64-P1'], SG: ['SIN2-P6'], PL: ['WAW51-P3'],
  '*': ['FRA56-P5', 'IAD61-P1'],
};

/** One app service: name, version before any deploy, URL prefix. */
export interface ServiceDef { name: string; version: string; prefix: string }
export const SERVICES: readonly ServiceDef[] = [
  { name: 'catalog-service', version: '3.4.1', prefix: '/v1/catalog' },
  { name: 'search-service', version: '1.9.0', prefix: '/v1/search' },
  { name: 'cart-service', version: '2.2.0', prefix: '/v1/cart' },
  { name: 'checkout-service', version: '5.0.3', prefix: '/v1/checkout' },
  { name: 'account-service', version: '1.14.2', prefix: '/v1/account' },
  { name: 'invoice-service', version: '4.1.3', prefix: '/v1/invoices' },
  { name: 'report-service', version: '0.9.7', prefix: '/v1/reports' },
  { name: 'auth-service', version: '2.6.0', prefix: '/v1/auth' },
  { name: 'admin-portal', version: '1.3.0', prefix: '/admin/' },
];

export const TENANTS: readonly string[] = ['t_acorn', 't_birch', 't_cedar', 't_delta', 't_ember', 't_fjord'];

/** The service whose deploy denies one role's writes when incidents are on, and the versions involved. */
export const INCIDENT_SERVICE = 'invoice-service';
export const INCIDENT_BAD_VERSION = '4.2.0';
export const INCIDENT_ROLE = 'invoice-editor';
/** The country the region-wide block incident adds to the geo rule. */
export const INCIDENT_COUNTRY = 'BR';

export const BROWSER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'ExampleShop/7.3.0 (Android 14; Pixel 7) okhttp/4.12.0',
  'ExampleShop/7.3.0 (iOS 17.4.1; iPhone14,5) CFNetwork/1494.0.7 Darwin/23.4.0',
];
