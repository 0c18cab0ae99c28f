import { defaultNetworkOf } from '@denytrace/network';
import { routeTemplate, type Verdict } from '@denytrace/schema';
import { keyOf, RULE_DIMENSION, scopesOf } from './keys';

/** One refused request as detection sees it: a verdict with status 403, reduced to what the tests need. */
export interface Denial {
  /** `first_seen` of the verdict, epoch ms UTC. */
  ms: number;
  trace_id: string;
  /** Client address, null when no layer logged the real client. */
  ip: string | null;
  /** True when the client network comes from the user's network table (reported as is, not narrowed): set and not the /24 or /48 fallback. */
  table_network: boolean;
  layer: string | null;
  component: string | null;
  rule_id: string | null;
  /** The decisive rule's type as the vendor names it (`RATE_BASED` …). */
  rule_type: string | null;
  method_class: 'read' | 'write' | 'other';
  service: string | null;
  roles: string[];
  route: string | null;
  /** Every series key this 403 counts in (see keys.ts). */
  keys: string[];
}

const READ = new Set(['GET', 'HEAD', 'OPTIONS']);
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `read` (GET/HEAD/OPTIONS), `write` (POST/PUT/PATCH/DELETE), else `other`. */
export function methodClassOf(method: string | null | undefined): 'read' | 'write' | 'other' {
  const m = method?.toUpperCase() ?? '';
  return READ.has(m) ? 'read' : WRITE.has(m) ? 'write' : 'other';
}

/**
 * The {@link Denial} of a verdict. The client network is the verdict's (the user's table) or the
 * /24 (IPv4) or /48 (IPv6) holding the address — the same rule the ingest counters use, so a
 * network's 403s and its requests are counted alike.
 */
export function denialOf(v: Verdict): Denial {
  const mc = methodClassOf(v.request.method);
  const scopes = scopesOf(mc);
  const keys: string[] = [];
  const add = (dimension: string, value: string | null | undefined): void => {
    if (!value) return;
    for (const s of scopes) keys.push(keyOf(dimension, value, s));
  };
  const all = (dimension: string): void => {
    for (const s of scopes) keys.push(keyOf(dimension, '*', s));
  };
  const fallback = v.client.ip ? defaultNetworkOf(v.client.ip) : undefined;
  const network = v.client.network ?? fallback;
  const route = v.request.path ? routeTemplate(v.request.path) : null;
  add('source.geo.country_iso_code', v.client.country);
  add('source.ip', network);
  add('url.path', route);
  add('service.name', v.service.name);
  for (const r of v.user.roles) add('user.roles', r);
  add('organization.id', v.user.tenant);
  for (const d of ['source.geo.country_iso_code', 'source.ip', 'url.path', 'service.name', 'user.roles', 'organization.id']) all(d);
  const rule = v.decisive_rule?.id ?? null;
  if (rule) keys.push(keyOf(RULE_DIMENSION, rule, '*'));
  return {
    ms: Date.parse(v.first_seen),
    trace_id: v.trace_id,
    ip: v.client.ip,
    // A network equal to the /24 or /48 fallback is treated as the fallback (narrowed when reported).
    table_network: !!v.client.network && v.client.network !== fallback,
    layer: v.emitting_layer,
    component: v.emitter?.component ?? null,
    rule_id: rule,
    rule_type: v.decisive_rule?.type ?? null,
    method_class: mc,
    service: v.service.name,
    roles: v.user.roles,
    route,
    keys,
  };
}
