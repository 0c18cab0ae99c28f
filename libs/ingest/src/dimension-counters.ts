import { defaultNetworkOf, type NetworkTable } from '@denytrace/network';
import { routeTemplate, type DenyEvent } from '@denytrace/schema';
import { DIMENSION_BUCKET_MS, type DimensionCounterRow, type SpikeDimension } from '@denytrace/store';

/** Longest dimension value counted (longer values are cut: a path or role name is never this long in practice). */
const MAX_VALUE_CHARS = 256;
/** Roles counted per event: an app record listing more is counted by its first ones. */
const MAX_ROLES = 8;
/** Addresses (and paths) whose network (route) is remembered between events. */
const MAX_CACHED_ADDRESSES = 65_536;

/**
 * Request counts by the dimensions spike detection tests (DESIGN.md "Spikes"), aggregated in memory
 * per ({@link DIMENSION_BUCKET_MS} UTC bucket, dataset, dimension, value, method class) until
 * {@link drain}. One event adds one row per dimension it carries:
 * - `source.geo.country_iso_code` — the logged or table country;
 * - `source.ip` — the client's network: the user's table network when it knows the address, else the
 *   /24 (IPv4) or /48 (IPv6) holding it (`defaultNetworkOf`);
 * - `url.path` — the route, ids folded (`routeTemplate`);
 * - `service.name`, `user.roles` (one row per role), `organization.id` (tenant) — from app/audit logs.
 * These are denominators: the 403s come from verdicts (one per refused request, joined across layers).
 */
export class DimensionCounters {
  private readonly rows = new Map<string, DimensionCounterRow>();
  /** Address → network, because parsing an address costs more than the rest of a count. */
  private readonly networks = new Map<string, string | undefined>();

  constructor(private readonly network?: NetworkTable) {}

  /** Path → route template, because folding ids runs several patterns per segment. */
  private readonly routes = new Map<string, string>();

  private routeOf(path: string): string {
    let r = this.routes.get(path);
    if (r === undefined) {
      if (this.routes.size >= MAX_CACHED_ADDRESSES) this.routes.clear();
      r = routeTemplate(path);
      this.routes.set(path, r);
    }
    return r;
  }

  private networkOf(ip: string): string | undefined {
    if (this.networks.has(ip)) return this.networks.get(ip);
    if (this.networks.size >= MAX_CACHED_ADDRESSES) this.networks.clear();
    const net = this.network ? this.network.networkOf(ip) : defaultNetworkOf(ip);
    this.networks.set(ip, net);
    return net;
  }

  /** Counts one event in its bucket (`bucket` is epoch ms of `@timestamp`, already parsed by the caller). */
  add(e: DenyEvent, ms: number, methodClass: DimensionCounterRow['method_class']): void {
    const bucket = Math.floor(ms / DIMENSION_BUCKET_MS) * DIMENSION_BUCKET_MS;
    const ds = e.event.dataset;
    const status = e.http?.response?.status_code;
    const ok = status !== undefined && status > 0 && status < 400 ? 1 : 0;
    const country = e.source?.geo?.country_iso_code;
    if (country) this.bump(bucket, ds, 'source.geo.country_iso_code', country, methodClass, ok);
    const ip = e.source?.ip;
    if (ip) {
      const net = this.networkOf(ip);
      if (net) this.bump(bucket, ds, 'source.ip', net, methodClass, ok);
    }
    const path = e.url?.path;
    if (path) this.bump(bucket, ds, 'url.path', this.routeOf(path), methodClass, ok);
    const service = e.service?.name;
    if (service) this.bump(bucket, ds, 'service.name', service, methodClass, ok);
    const roles = e.user?.roles;
    if (roles) for (let i = 0; i < roles.length && i < MAX_ROLES; i++) this.bump(bucket, ds, 'user.roles', roles[i]!, methodClass, ok);
    const tenant = e.organization?.id;
    if (tenant) this.bump(bucket, ds, 'organization.id', tenant, methodClass, ok);
  }

  private bump(bucket: number, dataset: string, dimension: SpikeDimension, raw: string, mc: DimensionCounterRow['method_class'], ok: number): void {
    const value = raw.length > MAX_VALUE_CHARS ? raw.slice(0, MAX_VALUE_CHARS) : raw;
    const key = `${bucket}\u0001${dataset}\u0001${dimension}\u0001${value}\u0001${mc}`;
    const row = this.rows.get(key);
    if (row) {
      row.count += 1;
      row.ok += ok;
    } else this.rows.set(key, { bucket, dataset, dimension, value, method_class: mc, count: 1, ok });
  }

  get size(): number {
    return this.rows.size;
  }

  /** The rows counted since the last drain; the aggregate starts empty again. */
  drain(): DimensionCounterRow[] {
    const out = [...this.rows.values()];
    this.rows.clear();
    return out;
  }
}
