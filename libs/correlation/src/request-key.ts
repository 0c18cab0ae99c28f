import type { DenyEvent } from '@denytrace/schema';

/** Percent-decodes once; text with a bad escape is returned as it is. */
export function decodeOnce(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The request as a layer saw it, normalized so that layers logging it differently still compare
 * equal: method upper-case, path and query decoded once (CloudFront and ALB log them encoded, nginx
 * as received), `-`/empty as absent.
 */
export interface RequestKey {
  method: string;
  path: string;
  query: string;
  userAgent: string | undefined;
}

export function requestKey(e: DenyEvent): RequestKey | undefined {
  const method = e.http?.request?.method;
  let path = e.url?.path;
  if (!method || !path) return undefined;
  let q = e.url?.query;
  // Some apps log the path with its query string.
  const qm = path.indexOf('?');
  if (qm >= 0) {
    q ??= path.slice(qm + 1);
    path = path.slice(0, qm);
  }
  const ua = e.user_agent?.original;
  return {
    method: method.toUpperCase(),
    path: decodeOnce(path),
    query: q && q !== '-' ? decodeOnce(q) : '',
    userAgent: ua && ua !== '-' ? decodeOnce(ua) : undefined,
  };
}

/**
 * True when two keys name the same request. Query strings and user agents are compared only when
 * both layers logged one (application audit logs often keep the path alone).
 */
export function sameRequest(a: RequestKey, b: RequestKey, withQuery = true): boolean {
  if (a.method !== b.method || a.path !== b.path) return false;
  if (withQuery && a.query !== '' && b.query !== '' && a.query !== b.query) return false;
  if (a.userAgent !== undefined && b.userAgent !== undefined && a.userAgent !== b.userAgent) return false;
  return true;
}
