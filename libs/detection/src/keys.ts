/**
 * The series spike detection tests, named by key. A key is a dimension (ECS field name), a value and
 * a method scope: `*` (every request), `write` (POST/PUT/PATCH/DELETE) or `read` (GET/HEAD/OPTIONS).
 * The value `*` is the whole dimension (the overall ratio a value's baseline is pulled toward).
 */
export type Scope = '*' | 'read' | 'write';

/** Dimensions tested on the deny ratio, with the scopes tested for each. */
export const RATIO_DIMENSIONS: ReadonlyArray<{ dimension: string; scopes: readonly Scope[] }> = [
  { dimension: 'source.geo.country_iso_code', scopes: ['*'] },
  { dimension: 'source.ip', scopes: ['*'] },
  { dimension: 'url.path', scopes: ['*'] },
  { dimension: 'service.name', scopes: ['write', 'read'] },
  { dimension: 'user.roles', scopes: ['write'] },
  { dimension: 'organization.id', scopes: ['*'] },
];

/** The dimension tested on counts alone (no denominator): the decisive rule. */
export const RULE_DIMENSION = 'rule.id';

const SEP = '\u0001';

export function keyOf(dimension: string, value: string, scope: Scope): string {
  return `${dimension}${SEP}${value}${SEP}${scope}`;
}

export function parseKey(key: string): { dimension: string; value: string; scope: Scope } {
  const [dimension, value, scope] = key.split(SEP) as [string, string, Scope];
  return { dimension, value, scope };
}

/** Scopes a request of this method class belongs to. */
export function scopesOf(methodClass: 'read' | 'write' | 'other'): Scope[] {
  return methodClass === 'other' ? ['*'] : ['*', methodClass];
}
