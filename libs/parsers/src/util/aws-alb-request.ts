import { splitHostPort } from './ip';

/** The parts of an ALB `request` field. */
export interface AlbRequest {
  method?: string;
  scheme?: string;
  domain?: string;
  port?: number;
  path?: string;
  query?: string;
  version?: string;
}

/**
 * Reads the ALB `request` field, `METHOD protocol://host:port/uri HTTP-version`
 * (`"GET https://api.example.com:443/v1/x?q=1 HTTP/1.1"`), without decoding the URI (it is logged
 * as the client sent it). `- - -` (a request the ALB could not read) gives an empty object.
 * Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
 */
export function parseAlbRequest(field: string): AlbRequest {
  const first = field.indexOf(' ');
  const last = field.lastIndexOf(' ');
  if (first < 0 || last <= first) return {};
  const method = field.slice(0, first);
  const url = field.slice(first + 1, last);
  const proto = field.slice(last + 1);
  const out: AlbRequest = {};
  if (method !== '-' && method !== '') out.method = method;
  if (proto.startsWith('HTTP/')) out.version = proto.slice(5);
  if (url === '-' || url === '') return out;
  let rest = url;
  const sep = rest.indexOf('://');
  if (sep > 0 && sep < 10) {
    out.scheme = rest.slice(0, sep).toLowerCase();
    rest = rest.slice(sep + 3);
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    rest = slash < 0 ? '/' : rest.slice(slash);
    const hp = splitHostPort(authority);
    if (hp) {
      out.domain = hp.host;
      if (hp.port !== undefined) out.port = hp.port;
    }
  }
  const q = rest.indexOf('?');
  out.path = q < 0 ? rest : rest.slice(0, q);
  if (q >= 0 && q + 1 < rest.length) out.query = rest.slice(q + 1);
  return out;
}
