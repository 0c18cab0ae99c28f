/**
 * A path with its ids folded, so that requests to one route count together:
 * `/v1/invoices/inv_7c55y0x95z/lines/42` → `/v1/invoices/{id}/lines/{id}`.
 * A segment is an id when it is a number, a UUID, hex of 8+ characters, or a token of letters and
 * digits that mixes both and is 8+ long with a digit (`inv_7c55y0x95z`, `SKU-00257`), or a
 * prefixed object id in the style of Stripe's (`inv_nxgwqjjswx`: 2–6 letters, `_`, 10+ letters or
 * digits; https://docs.stripe.com/api/invoices/object#invoice_object-id).
 * The query string is dropped.
 */
export function routeTemplate(path: string): string {
  const q = path.indexOf('?');
  const p = q >= 0 ? path.slice(0, q) : path;
  return p
    .split('/')
    .map((seg) => (isId(seg) ? '{id}' : seg))
    .join('/');
}

const PREFIXED_ID = /^[a-z]{2,6}_[a-z0-9]{10,}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isId(seg: string): boolean {
  if (seg === '') return false;
  if (/^\d+$/.test(seg)) return true;
  if (UUID.test(seg)) return true;
  if (PREFIXED_ID.test(seg)) return true;
  if (seg.length >= 8 && /^[0-9a-f]+$/i.test(seg) && /\d/.test(seg)) return true;
  return seg.length >= 6 && /\d/.test(seg) && /[a-z]/i.test(seg) && /^[\w.-]+$/.test(seg) && /[\d]{2,}|[_-]/.test(seg);
}
