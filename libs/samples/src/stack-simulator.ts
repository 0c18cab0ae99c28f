import { EdgeConnectionPool, albLine, type AlbRecord } from './alb-line';
import { appLine, authorize } from './app-line';
import { cloudfrontLine, type CloudfrontRecord } from './cloudfront-line';
import { nginxAccessLine, nginxForbiddenLine } from './nginx-line';
import type { Prng } from './prng';
import type { ClientRequest, DenyTruth, StackComponent, StackItem } from './stack-model';
import type { StackTimeline } from './stack-timeline';
import { evaluateWaf, inRateScope, wafLine } from './waf-line';
import {
  ADMIN_ALLOW_LIST, ALB_FORWARD_RULE_PRIORITY, ALB_INTERNAL_RULE_PRIORITY, ALB_NAME, CLOUDFRONT_GEO_RESTRICTED,
  DISTRIBUTION_DOMAIN, EDGE_LOCATIONS, INCIDENT_COUNTRY, NGINX_ADMIN_RULE_ID, NGINX_TARGETS, RATE_WINDOW_SEC, SITE_HOST,
} from './stack-world';

/** The nginx host's clock runs this far ahead of AWS's (ms): layers' timestamps disagree a little, as in life. */
export const NGINX_CLOCK_SKEW_MS = 700;

type Refusal = Pick<DenyTruth, 'emitting_layer' | 'component' | 'rule_id' | 'rule_name' | 'ruleset' | 'rule_type' | 'status'> & { incident: string | null };

/** Is an IPv4/IPv6 text address inside the nginx /admin/ allow-list (prefix match on the sample's own networks)? */
function adminAllowed(ip: string): boolean {
  return ADMIN_ALLOW_LIST.some((n) => {
    const [base, bits] = n.split('/');
    if (base.includes(':')) return ip.startsWith(base.replace(/::$/, ':'));
    const last = Number(base.split('.')[3]);
    const host = Number(ip.split('.')[3]);
    return ip.startsWith(base.slice(0, base.lastIndexOf('.') + 1)) && host >= last && host < last + 2 ** (32 - Number(bits));
  });
}

/**
 * Sends one client request through the stack (web ACL on the distribution → CloudFront → ALB → nginx
 * → app) and returns the lines every layer logs for it, plus a truth row when a layer refused it.
 * State is bounded: the origin connection pool, the rate-based rule's per-address windows (swept),
 * nginx connection counters.
 */
export class StackSimulator {
  private readonly pool: EdgeConnectionPool;
  private readonly logins = new Map<string, number[]>();
  private nginxConn = 48_213;
  private readonly nginxPids = [3117, 3118, 3120];
  private seen = 0;

  constructor(private readonly rng: Prng, private readonly timeline: StackTimeline) {
    this.pool = new EdgeConnectionPool(rng);
  }

  /** Lines of one request, in layer order (every file stays in arrival order up to small latencies). */
  simulate(req: ClientRequest): StackItem[] {
    const r = this.rng;
    const out: StackItem[] = [];
    const cfId = `${r.bytes(40).toString('base64url')}==`;
    const amzcf = `amzcf:${cfId}`;
    const edges = EDGE_LOCATIONS[req.net.country] ?? EDGE_LOCATIONS['*'];
    const csBytes = 180 + (req.userAgent?.length ?? 0) + req.path.length + req.query.length + (req.principal ? 420 : 60) + req.bodyBytes;
    const cf = (o: Partial<CloudfrontRecord> & Pick<CloudfrontRecord, 'finishedMs' | 'status' | 'resultType' | 'detailedResultType'>) => {
      const body = o.contentLength ?? 0;
      const tt = (o.finishedMs - req.t) / 1000;
      out.push({ file: 'cloudfront', line: cloudfrontLine({
        edgeLocation: r.pick(edges), scBytes: body + r.range(380, 520), clientIp: req.ip, method: req.method,
        distributionDomain: DISTRIBUTION_DOMAIN, path: req.path, referer: req.referer, userAgent: req.userAgent, query: req.query,
        requestId: cfId, hostHeader: SITE_HOST, csBytes, timeTaken: tt, protocolVersion: req.httpVersion, clientPort: r.range(1024, 65535),
        timeToFirstByte: Math.max(0.001, tt - r.range(0, 2) / 1000), contentType: null, contentLength: null, ...o,
      }) });
    };
    const layers: StackComponent[] = [];
    const ids: Partial<Record<StackComponent, string[]>> = {};
    const logged = (c: StackComponent, idList: string[]) => {
      if (!layers.includes(c)) layers.push(c);
      ids[c] = [...new Set([...(ids[c] ?? []), ...idList])];
    };
    const refuse = (x: Refusal, join: 'id' | 'match' = 'id') => {
      const order: StackComponent[] = ['aws-waf', 'cloudfront', 'alb', 'nginx', 'app'];
      layers.sort((a, b) => order.indexOf(a) - order.indexOf(b));
      const truth: DenyTruth = {
        '@timestamp': new Date(Math.floor(req.t)).toISOString(),
        emitting_layer: x.emitting_layer, component: x.component, rule_id: x.rule_id, rule_name: x.rule_name, ruleset: x.ruleset,
        rule_type: x.rule_type, status: x.status,
        correlation_ids: [...new Set(layers.flatMap((c) => ids[c] ?? []))], ids_by_component: ids, layers, join, incident: x.incident,
        traffic: req.kind,
        request: { method: req.method, domain: SITE_HOST, path: req.path, query: req.query || null, user_agent: req.userAgent },
        client: { ip: req.ip, country: req.net.country, region: req.net.region, network: req.net.network, organization: req.net.organization },
        user: req.principal ? { id: req.principal.id, roles: req.principal.roles, tenant: req.principal.tenant } : null,
        service: null,
      };
      return truth;
    };
    const emitTruth = (t: DenyTruth) => out.push({ file: 'truth', line: JSON.stringify(t), truth: t });

    // CloudFront geographic restriction runs before the web ACL: the request is in cloudfront.log only.
    if (CLOUDFRONT_GEO_RESTRICTED.includes(req.net.country)) {
      cf({ finishedMs: req.t + r.range(1, 3), status: 403, resultType: 'Error', detailedResultType: 'ClientGeoBlocked', contentType: 'text/html', contentLength: 915 });
      logged('cloudfront', [amzcf]);
      emitTruth(refuse({ emitting_layer: 'cdn', component: 'cloudfront', rule_id: 'geo-restriction', rule_name: 'CloudFront geographic restriction', ruleset: DISTRIBUTION_DOMAIN, rule_type: 'geo-restriction', status: 403, incident: null }));
      return out;
    }

    const verdict = evaluateWaf(req, this.timeline.geoBlocked(req.t), inRateScope(req) ? this.countLogin(req) : 0);
    out.push({ file: 'waf', line: wafLine(Math.floor(req.t) + r.range(1, 3), cfId, req, verdict) });
    logged('aws-waf', [amzcf]);
    if (verdict.action === 'BLOCK' && verdict.decisive) {
      cf({ finishedMs: req.t + r.range(2, 6), status: 403, resultType: 'Error', detailedResultType: 'Error', contentType: 'text/html', contentLength: 919 });
      logged('cloudfront', [amzcf]);
      const d = verdict.decisive;
      const incident = d.id === 'geo-block-countries' && req.net.country === INCIDENT_COUNTRY ? 'region-block' : null;
      emitTruth(refuse({ emitting_layer: 'waf', component: 'aws-waf', rule_id: d.id, rule_name: d.name, ruleset: d.ruleset, rule_type: d.type, status: 403, incident }));
      return out;
    }
    if (req.cacheable && r.chance(0.7)) {
      cf({ finishedMs: req.t + r.range(1, 12), status: 200, resultType: 'Hit', detailedResultType: 'Hit', contentType: req.path.endsWith('.js') ? 'application/javascript' : 'application/json', contentLength: r.range(900, 6000) });
      return out;
    }
    logged('cloudfront', [amzcf]);

    // Origin request to the ALB over a reused CloudFront connection.
    const hop = r.range(6, 45) + r.next();
    const creation = req.t + hop;
    const ownRoot = `1-${Math.floor(creation / 1000).toString(16).padStart(8, '0')}-${r.hex(24)}`;
    const traceHeader = req.clientTraceRoot ? `Self=${ownRoot};Root=${req.clientTraceRoot}` : `Root=${ownRoot}`;
    const root = req.clientTraceRoot ?? ownRoot;
    const xray = `xray:${root}`;
    const conn = this.pool.take();
    const alb: AlbRecord = {
      timeMs: 0, creationMs: creation, conn, target: null, requestProcessing: -1, targetProcessing: -1, responseProcessing: -1,
      elbStatus: 0, targetStatus: null, receivedBytes: csBytes + r.range(250, 400), sentBytes: 0, method: req.method, path: req.path,
      query: req.query, userAgent: req.userAgent, traceId: traceHeader, matchedRulePriority: ALB_FORWARD_RULE_PRIORITY, actions: 'forward',
    };
    const back = (albMs: number, status: number, contentType: string, len: number) =>
      cf({ finishedMs: albMs + hop + r.next(), status, resultType: status >= 400 ? 'Error' : 'Miss', detailedResultType: status >= 400 ? 'Error' : 'Miss', contentType, contentLength: len });

    if (req.path.startsWith('/internal/')) {
      Object.assign(alb, { timeMs: creation + 0.2 + r.next() * 0.5, elbStatus: 403, sentBytes: r.range(150, 170), matchedRulePriority: ALB_INTERNAL_RULE_PRIORITY, actions: 'fixed-response' });
      out.push({ file: 'alb', line: albLine(alb) });
      back(alb.timeMs, 403, 'text/plain', 9);
      logged('alb', [xray]);
      emitTruth(refuse({ emitting_layer: 'gateway', component: 'alb', rule_id: String(ALB_INTERNAL_RULE_PRIORITY), rule_name: `listener rule priority ${ALB_INTERNAL_RULE_PRIORITY}: fixed-response`, ruleset: ALB_NAME, rule_type: 'fixed-response', status: 403, incident: null }, 'match'));
      return out;
    }

    const rid = r.hex(32);
    const nginxStart = creation + r.next() + 0.3;
    this.nginxConn += 1 + r.int(3);
    let status: number;
    let ups: number | null = null;
    let bodyBytes: number;
    let rtMs: number;
    let refusal: Refusal | null = null;
    let service: { name: string; version: string } | null = null;
    let forbiddenLine: string | null = null;
    if (req.path.startsWith('/admin/') && !adminAllowed(req.ip)) {
      status = 403; bodyBytes = 153; rtMs = 0;
      forbiddenLine = nginxForbiddenLine(nginxStart + NGINX_CLOCK_SKEW_MS, r.pick(this.nginxPids), this.nginxConn, req.ip, req.method, req.path, req.query);
      refusal = { emitting_layer: 'gateway', component: 'nginx', rule_id: NGINX_ADMIN_RULE_ID, rule_name: 'nginx allow/deny rules for /admin/', ruleset: 'nginx', rule_type: 'access', status: 403, incident: null };
    } else if (req.path.startsWith('/static/')) {
      status = 200; bodyBytes = r.range(180_000, 190_000); rtMs = r.range(0, 2);
    } else if (!req.service) {
      status = 404; bodyBytes = 153; rtMs = 0;
    } else {
      const version = this.timeline.version(req.service.name, nginxStart, r.next());
      const d = authorize(req, version, r.next());
      const appTs = nginxStart + 1 + r.next() * 2;
      out.push({ file: 'app', line: appLine(appTs, req.service.name, version, rid, root, req, d) });
      logged('app', [`xrid:${rid}`, xray]);
      service = { name: req.service.name, version };
      rtMs = appTs - nginxStart + r.range(6, d.decision === 'deny' ? 20 : 110) + 1;
      status = d.status; ups = d.status;
      bodyBytes = d.decision === 'deny' ? r.range(70, 95) : status >= 400 ? r.range(60, 140) : r.range(250, 6500);
      if (d.decision === 'deny') {
        refusal = { emitting_layer: 'app', component: 'app', rule_id: d.policy, rule_name: d.policy, ruleset: req.service.name, rule_type: d.ruleType, status: d.status, incident: d.revoked ? 'post-rollout-write-denial' : null };
      }
    }
    const rt = Math.round(rtMs) / 1000;
    out.push({ file: 'nginx', line: nginxAccessLine({
      endMs: nginxStart + rt * 1000 + NGINX_CLOCK_SKEW_MS, clientIp: req.ip, method: req.method, path: req.path, query: req.query,
      status, bodyBytes, referer: req.referer, userAgent: req.userAgent, requestId: rid, cfId, trace: traceHeader, upstreamStatus: ups, requestTime: rt,
    }) });
    if (forbiddenLine) out.push({ file: 'nginx-error', line: forbiddenLine });
    logged('nginx', [`xrid:${rid}`, amzcf, xray]);
    Object.assign(alb, {
      target: `${r.pick(NGINX_TARGETS)}:80`, requestProcessing: 0, targetProcessing: rt + 0.001, responseProcessing: 0,
      elbStatus: status, targetStatus: status, sentBytes: bodyBytes + r.range(220, 320),
    });
    alb.timeMs = creation + alb.targetProcessing * 1000 + r.next() * 0.4;
    out.push({ file: 'alb', line: albLine(alb) });
    logged('alb', [xray]);
    back(alb.timeMs, status, status === 403 && !service ? 'text/html' : req.path.startsWith('/static/') ? 'application/javascript' : 'application/json', bodyBytes);
    if (refusal) {
      const t = refuse(refusal);
      t.service = service;
      emitTruth(t);
    }
    return out;
  }

  /** Requests this address sent to the rate-based rule's scope in the trailing window, this one included. */
  private countLogin(req: ClientRequest): number {
    const since = req.t - RATE_WINDOW_SEC * 1000;
    let list = this.logins.get(req.ip);
    if (!list) this.logins.set(req.ip, (list = []));
    list.push(req.t);
    let drop = 0;
    while (drop < list.length && list[drop] < since) drop++;
    if (drop > 0) list.splice(0, drop);
    if (++this.seen % 2000 === 0) {
      for (const [ip, ts] of this.logins) if (ts[ts.length - 1] < since) this.logins.delete(ip);
    }
    return list.length;
  }
}

