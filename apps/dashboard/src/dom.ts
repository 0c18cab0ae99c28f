/** A child of {@link el}: strings become Text nodes (never parsed as HTML); null, undefined and false are skipped. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes {@link el} may set. `href` must be a fragment (`#…`): the page links only to itself. */
export interface Attrs {
  class?: string;
  title?: string;
  href?: string;
  type?: string;
  role?: string;
  data?: Record<string, string>;
}

/**
 * Creates an element with attributes and children. Everything from logs goes through here or
 * `textContent`: text is added as Text nodes, so markup in a path or rule name is shown, never run.
 * @throws Error when `href` is not a fragment link.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs.class) node.className = attrs.class;
  if (attrs.title) node.title = attrs.title;
  if (attrs.type) node.setAttribute('type', attrs.type);
  if (attrs.role) node.setAttribute('role', attrs.role);
  if (attrs.href !== undefined) {
    if (!attrs.href.startsWith('#')) throw new Error(`only fragment links are made, got ${attrs.href}`);
    node.setAttribute('href', attrs.href);
  }
  for (const [k, v] of Object.entries(attrs.data ?? {})) node.dataset[k] = v;
  append(node, ...children);
  return node;
}

/** Appends children as {@link el} does. */
export function append(node: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's children. */
export function replace(node: Element, ...children: Child[]): void {
  node.replaceChildren();
  append(node, ...children);
}

/** The element with this id; throws when the page lacks it (a build mistake). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from index.html`);
  return node as T;
}

/** `2024-03-12 14:05` (UTC) of epoch ms, or of an ISO-8601 text. */
export function utcMinute(t: number | string): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

/** `14:05:09` (UTC). */
export function utcTime(t: number | string): string {
  return new Date(t).toISOString().slice(11, 19);
}

/** 1234567 → `1 234 567` (thin grouping, any locale). */
export function count(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

/** 0.0345 → `3.45 %`. */
export function percent(r: number): string {
  return `${(r * 100).toFixed(r < 0.01 ? 2 : 1)} %`;
}
