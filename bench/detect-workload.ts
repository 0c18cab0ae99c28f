/**
 * The synthetic load of `npm run bench:detect`: what spike detection reads, written straight into a
 * store — dimension counter rows per 30 s bucket (`DimensionCounterRow`, via `addCounters([], rows)`)
 * and the 403 verdicts (via `replaceTraces` one hour at a time) — from a seeded PRNG, without log lines.
 *
 * Every request is drawn (client /24 → country, address, route → service and method, role, tenant),
 * counted in its bucket, and refused or not:
 * - background: 2 countries always geo-blocked by the WAF, a managed rule on ~0.8 % of requests,
 *   RBAC refusing ~3 % of signed-in writes in the app, scanners probing paths that never pass
 *   (refused or 404), and login bots stopped by a rate-based rule;
 * - incidents (the answers the bench checks against): a country refused whole by the WAF's geo rule
 *   for 30 min, a service's writes refused by the app after a deploy (recorded with `recordDeploys`)
 *   until its rollback, and an office NAT /28 refused by the gateway's allow-list for 20 min;
 * - a benign deploy of another service, which must not page.
 * About 3.8 % of requests end in a 403 at 10 M requests a day (more on smaller runs: the login bots
 * keep their own rate). Bucket request counts follow a day curve (low at 04:00 UTC).
 */
import { deployId, type Deploy, type Layer, type Verdict } from '@denytrace/schema';
import { Prng } from '@denytrace/samples';
import { DIMENSION_BUCKET_MS, type DimensionCounterRow, type EventStore } from '@denytrace/store';

export interface WorkloadOptions {
  requests: number;
  hours: number;
  seed: number;
  start: number;
}

/** An injected incident: what detection should report, and when it began (epoch ms). */
export interface Incident {
  name: string;
  kind: string;
  value: string;
  startMs: number;
  endMs: number;
}

export interface WorkloadSummary {
  requests: number;
  denied: number;
  counterRows: number;
  incidents: Incident[];
  deploys: number;
}

const COUNTRIES = ['US', 'DE', 'GB', 'FR', 'IN', 'BR', 'JP', 'CA', 'NL', 'ES', 'IT', 'AU', 'PL', 'SE', 'MX', 'KR', 'SG', 'CH', 'BE', 'AT', 'IE', 'DK', 'NO', 'FI', 'PT', 'CZ', 'ZA', 'AR', 'RU', 'KP'];
/** Always refused by the WAF geo rule (the last two countries). */
const GEO_BLOCKED = new Set([28, 29]);
const INCIDENT_COUNTRY = 5; // BR: ~3 % of requests
const NETWORKS = 3000;
const SERVICES = ['catalog-service', 'cart-service', 'billing-api', 'orders-api', 'users-api', 'search-api', 'media-service', 'auth-service'];
const INCIDENT_SERVICE = 2;
const BENIGN_SERVICE = 0;
const ROUTES_PER_SERVICE = 25;
const ROLES = ['customer', 'admin', 'support', 'billing-admin', 'editor', 'viewer', 'partner', 'ops', 'auditor', 'developer'];
const TENANTS = 50;
const PROBES = ['/wp-login.php', '/.env', '/.git/config', '/phpmyadmin/index.php', '/admin/config.php', '/server-status', '/xmlrpc.php', '/actuator/env'];
/** The office network whose NAT /28 the allow-list refuses, and its share of all requests. */
const NAT_NET = 7;
const NAT_SHARE = 0.008;
const NAT_CIDR = '198.51.100.32/28';

const WAF = { event: { dataset: 'aws.waf' }, component: 'aws-waf', observer: { type: 'waf', vendor: 'AWS', product: 'WAF' } };
const GATEWAY = { event: { dataset: 'nginx.access' }, component: 'nginx', observer: { type: 'proxy', vendor: 'F5', product: 'nginx' } };
const APP = { event: { dataset: 'app.audit' }, component: 'app', observer: { type: 'application', vendor: 'acme', product: 'app' } };
type Emitter = typeof WAF;
interface Refusal { layer: Layer; emitter: Emitter; rule: string; type: string | null }
const GEO: Refusal = { layer: 'waf', emitter: WAF, rule: 'GeoBlockCountries', type: 'REGULAR' };
const MANAGED: Refusal = { layer: 'waf', emitter: WAF, rule: 'AWS-AWSManagedRulesCommonRuleSet', type: 'MANAGED_RULE_GROUP' };
const RATE: Refusal = { layer: 'waf', emitter: WAF, rule: 'RateLimitLogin', type: 'RATE_BASED' };
const RBAC: Refusal = { layer: 'app', emitter: APP, rule: 'rbac:deny', type: null };
const WRITE_POLICY: Refusal = { layer: 'app', emitter: APP, rule: 'authz:billing.write', type: null };
const ALLOW_LIST: Refusal = { layer: 'gateway', emitter: GATEWAY, rule: 'allow-list:office', type: null };

/** Cumulative weights of a Zipf law of exponent `e` over n values (the first most frequent). */
function zipf(n: number, e = 1): Float64Array {
  const c = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) c[i] = s += (i + 1) ** -e;
  for (let i = 0; i < n; i++) c[i] /= s;
  return c;
}
function draw(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** One bucket's counts: [count, ok] pairs by value index × method class (0 read, 1 write). */
class BucketCounts {
  readonly country = new Int32Array(COUNTRIES.length * 4);
  readonly net = new Int32Array(NETWORKS * 4);
  readonly route = new Int32Array((SERVICES.length * ROUTES_PER_SERVICE + PROBES.length + 1) * 4);
  readonly service = new Int32Array(SERVICES.length * 4);
  readonly role = new Int32Array(ROLES.length * 4);
  readonly tenant = new Int32Array(TENANTS * 4);
  clear(): void {
    for (const a of [this.country, this.net, this.route, this.service, this.role, this.tenant]) a.fill(0);
  }
}
const bump = (a: Int32Array, i: number, mc: number, ok: boolean): void => {
  a[(i * 2 + mc) * 2] += 1;
  if (ok) a[(i * 2 + mc) * 2 + 1] += 1;
};

/** Writes the whole workload into `store` (deploys, counters, verdicts); returns what it wrote. */
export async function writeWorkload(store: EventStore, o: WorkloadOptions): Promise<WorkloadSummary> {
  const rng = new Prng(o.seed);
  const buckets = Math.round((o.hours * 3600_000) / DIMENSION_BUCKET_MS);
  const durationMs = buckets * DIMENSION_BUCKET_MS;
  const at = (f: number) => o.start + Math.floor((f * durationMs) / DIMENSION_BUCKET_MS) * DIMENSION_BUCKET_MS;

  // The world: networks (Zipf), each in one country (Zipf); routes (Zipf) of services; roles; tenants.
  const netCum = zipf(NETWORKS, 0.7); // the busiest /24 ≈ 2.5 % of requests
  const countryCum = zipf(COUNTRIES.length);
  const netCountry = Int8Array.from({ length: NETWORKS }, () => draw(countryCum, rng.next()));
  const netPrefix = Array.from({ length: NETWORKS }, (_, i) => `${10 + (i >> 8)}.${(i * 37) & 255}.${i & 255}`);
  netPrefix[NAT_NET] = '198.51.100';
  netCountry[NAT_NET] = 1;
  const routeCount = SERVICES.length * ROUTES_PER_SERVICE;
  const routeCum = zipf(routeCount);
  const routeService = Int8Array.from({ length: routeCount }, (_, i) => i % SERVICES.length);
  const routeWrite = Uint8Array.from({ length: routeCount }, () => (rng.chance(0.22) ? 1 : 0));
  const routePath = Array.from({ length: routeCount }, (_, i) => `/api/${SERVICES[i % SERVICES.length]!.split('-')[0]}/res${String.fromCharCode(97 + (i % 26))}${Math.floor(i / 26)}`);
  const allPaths = [...routePath, ...PROBES, '/api/auth/login'];
  const loginRoute = allPaths.length - 1;
  const roleCum = zipf(ROLES.length);
  const tenantCum = zipf(TENANTS);

  const incidents: Incident[] = [
    { name: `country ${COUNTRIES[INCIDENT_COUNTRY]} refused whole by the WAF geo rule for 30 min`, kind: 'region_block', value: COUNTRIES[INCIDENT_COUNTRY]!, startMs: at(0.3), endMs: at(0.3) + 30 * 60_000 },
    { name: `${SERVICES[INCIDENT_SERVICE]} writes refused by the app after its deploy, until rollback 25 min later`, kind: 'post_rollout_write_denial', value: SERVICES[INCIDENT_SERVICE]!, startMs: at(0.55) + 60_000, endMs: at(0.55) + 25 * 60_000 },
    { name: `office NAT ${NAT_CIDR} refused by the gateway allow-list for 20 min`, kind: 'source_network_block', value: NAT_CIDR, startMs: at(0.75), endMs: at(0.75) + 20 * 60_000 },
  ];
  const [geoI, deployI, natI] = incidents as [Incident, Incident, Incident];
  const deploy = (service: string, version: string, startMs: number): Deploy => {
    const started_at = new Date(startMs).toISOString();
    return { id: deployId({ service, version, environment: 'production', started_at }), service, version, environment: 'production', started_at, finished_at: new Date(startMs + 60_000).toISOString(), description: null, link: null, source: 'api' };
  };
  const deploys = [
    deploy(SERVICES[BENIGN_SERVICE]!, '3.5.0', at(0.2)),
    deploy(SERVICES[INCIDENT_SERVICE]!, '2.8.0', at(0.55)),
    deploy(SERVICES[INCIDENT_SERVICE]!, '2.7.4', deployI.endMs),
  ];
  await store.recordDeploys(deploys);

  // Requests per bucket: a day curve, summing to exactly `requests`.
  const weight = Float64Array.from({ length: buckets }, (_, b) => 1 + 0.45 * Math.sin((2 * Math.PI * ((o.start + b * DIMENSION_BUCKET_MS) / 86_400_000 - 10 / 24))));
  const wsum = weight.reduce((a, b) => a + b, 0);
  let assigned = 0;

  const counts = new BucketCounts();
  let rows: DimensionCounterRow[] = [];
  let verdicts: Verdict[] = [];
  let windowStart = o.start;
  let denied = 0;
  let counterRows = 0;
  let botUntil = -1;
  let botHost = 0;
  let botNet = 0;
  let nextBot = o.start + 40 * 60_000;
  const flush = async (until: number): Promise<void> => {
    await store.addCounters([], rows);
    await store.replaceTraces(new Date(windowStart).toISOString(), new Date(until).toISOString(), verdicts);
    counterRows += rows.length;
    rows = [];
    verdicts = [];
    windowStart = until;
  };

  for (let b = 0; b < buckets; b++) {
    const bucket = o.start + b * DIMENSION_BUCKET_MS;
    const n = b === buckets - 1 ? o.requests - assigned : Math.round((o.requests * weight[b]!) / wsum);
    assigned += n;
    counts.clear();
    if (bucket >= nextBot && botUntil < bucket) {
      botNet = 100 + rng.int(2000);
      botHost = rng.range(1, 254);
      botUntil = bucket + rng.range(3, 8) * 60_000;
      nextBot = botUntil + rng.exp(40 * 60_000);
    }
    for (let i = 0; i < n; i++) {
      const ms = bucket + rng.int(DIMENSION_BUCKET_MS);
      const bot = bucket < botUntil && i < 60; // ~2 login attempts a second
      const probe = !bot && rng.chance(0.01);
      let net = bot ? botNet : rng.chance(NAT_SHARE) ? NAT_NET : draw(netCum, rng.next());
      if (probe) net = 200 + rng.int(2500);
      const country = netCountry[net]!;
      const host = bot ? botHost : net === NAT_NET ? (rng.chance(0.85) ? rng.range(32, 47) : rng.range(64, 250)) : rng.range(1, 254);
      const route = bot ? loginRoute : probe ? routeCount + rng.int(PROBES.length) : draw(routeCum, rng.next());
      const mc = bot ? 1 : probe ? 0 : routeWrite[route]!;
      const service = route < routeCount ? routeService[route]! : -1;
      const signedIn = !bot && !probe && rng.chance(0.7);
      const role = signedIn ? draw(roleCum, rng.next()) : -1;
      const tenant = signedIn ? draw(tenantCum, rng.next()) : -1;

      let refusal: Refusal | null = null;
      let status = 200;
      if (GEO_BLOCKED.has(country) || (country === INCIDENT_COUNTRY && ms >= geoI.startMs && ms < geoI.endMs)) refusal = GEO;
      else if (bot && rng.chance(0.7)) refusal = RATE;
      else if (probe) {
        if (rng.chance(0.6)) refusal = MANAGED;
        else status = 404;
      } else if (rng.chance(0.008)) refusal = MANAGED;
      else if (net === NAT_NET && host >= 32 && host <= 47 && ms >= natI.startMs && ms < natI.endMs) refusal = ALLOW_LIST;
      else if (mc === 1 && service === INCIDENT_SERVICE && ms >= deployI.startMs && ms < deployI.endMs && rng.chance(0.7)) refusal = WRITE_POLICY;
      else if (mc === 1 && signedIn && rng.chance(0.03)) refusal = RBAC;
      if (refusal) status = 403;
      const ok = status < 400;

      bump(counts.country, country, mc, ok);
      bump(counts.net, net, mc, ok);
      bump(counts.route, route, mc, ok);
      // The app sees what the WAF and gateway let through.
      if (service >= 0 && refusal?.layer !== 'waf' && refusal?.layer !== 'gateway') {
        bump(counts.service, service, mc, ok);
        if (role >= 0) bump(counts.role, role, mc, ok);
        if (tenant >= 0) bump(counts.tenant, tenant, mc, ok);
      }
      if (!refusal) continue;
      denied++;
      const traceId = `bt${b.toString(36)}x${i.toString(36)}`;
      const first = new Date(ms).toISOString();
      const app = refusal.layer === 'app';
      verdicts.push({
        trace_id: traceId, correlation_ids: [`xrid:${traceId}`], status: 403, emitting_layer: refusal.layer, emitter: refusal.emitter,
        decisive_rule: { id: refusal.rule, name: null, ruleset: null, type: refusal.type }, confidence: 0.9, confidence_label: 'high',
        missing_layers: [], join: 'id', explanation: [`${traceId}: refused by ${refusal.emitter.component}`], flags: [],
        request: { method: mc === 1 ? 'POST' : 'GET', domain: 'shop.example.com', path: allPaths[route]!, query: null },
        client: { ip: `${netPrefix[net]}.${host}`, country: COUNTRIES[country]!, region: null, network: null, organization: null },
        user: { id: null, roles: app && role >= 0 ? [ROLES[role]!] : [], tenant: app && tenant >= 0 ? `tenant-${tenant}` : null },
        service: { name: app && service >= 0 ? SERVICES[service]! : null, version: null },
        first_seen: first, last_seen: first, provisional: false, events: [],
      });
    }
    emitRows(rows, bucket, counts, netPrefix, allPaths);
    if ((b + 1) % 120 === 0 || b === buckets - 1) await flush(bucket + DIMENSION_BUCKET_MS);
  }
  return { requests: o.requests, denied, counterRows, incidents, deploys: deploys.length };
}

function emitRows(out: DimensionCounterRow[], bucket: number, c: BucketCounts, netPrefix: readonly string[], paths: readonly string[]): void {
  const emit = (a: Int32Array, dataset: string, dimension: DimensionCounterRow['dimension'], value: (i: number) => string): void => {
    for (let j = 0; j < a.length; j += 2) {
      if (a[j] === 0) continue;
      const slot = j >> 1;
      out.push({ bucket, dataset, dimension, value: value(slot >> 1), method_class: slot & 1 ? 'write' : 'read', count: a[j]!, ok: a[j + 1]! });
    }
  };
  emit(c.country, 'aws.waf', 'source.geo.country_iso_code', (i) => COUNTRIES[i]!);
  emit(c.net, 'aws.waf', 'source.ip', (i) => `${netPrefix[i]}.0/24`);
  emit(c.route, 'aws.waf', 'url.path', (i) => paths[i]!);
  emit(c.service, 'app.audit', 'service.name', (i) => SERVICES[i]!);
  emit(c.role, 'app.audit', 'user.roles', (i) => ROLES[i]!);
  emit(c.tenant, 'app.audit', 'organization.id', (i) => `tenant-${i}`);
}
