import type { Spike } from '../subscription-match';

/**
 * `s` as an absolute `http:`/`https:` URL (normalised by WHATWG URL), or null for anything else
 * (`javascript:`, relative, unparseable). Used for links placed in messages.
 */
export function httpUrl(s: string | null | undefined): string | null {
  if (!s) return null;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return null;
  }
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
}

/** The dashboard page of a spike: `<base>/spikes/<id>` (id percent-encoded), or null without a usable base. */
export function spikeLink(spike: Pick<Spike, 'id'>, dashboardUrl: string | undefined): string | null {
  const base = httpUrl(dashboardUrl);
  if (!base) return null;
  return `${base.replace(/\/+$/, '')}/spikes/${encodeURIComponent(spike.id)}`;
}

/** A per-minute rate, one decimal: `42.0/min`. Non-finite values print as `?`. */
export function perMin(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(1)}/min` : '?';
}

/** A ratio 0..1 as a percentage, one decimal: `0.381` → `38.1%`. */
export function percent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : '?';
}

/** The magnitude as a factor, one decimal: `84` → `×84.0`. */
export function factor(m: number): string {
  return Number.isFinite(m) ? `×${m.toFixed(1)}` : '?';
}
