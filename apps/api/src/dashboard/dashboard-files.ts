import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The Content-Security-Policy the dashboard is served with: scripts, styles, fonts and API calls
 * from this origin only, no inline script, no plugins, no framing, no `<base>` or form posts
 * elsewhere. Styles set through the CSSOM (uPlot's `el.style.…`) are not inline styles and pass.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');

/** Content types of the files Vite writes. */
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json',
};

/** A built file read into memory. */
export interface DashboardFile {
  body: Buffer;
  type: string;
}

/**
 * The dashboard's built files (`npm run build` → Vite → `dist/dashboard/` at the package root), read
 * once and kept in memory. The package root is the first folder above this file holding a
 * `package.json`, so the same code finds it from `apps/api/src/dashboard` (tests) and from
 * `dist/apps/api/src/dashboard` (the built CLI). Only names Vite writes (`index.html`,
 * `assets/<name>.<ext>`) are served; anything else is undefined.
 */
export class DashboardFiles {
  private readonly cache = new Map<string, DashboardFile | null>();

  constructor(readonly root: string | undefined = findBuiltDashboard(__dirname)) {}

  /** True when the build produced `index.html`. */
  get built(): boolean {
    return this.get('index.html') !== undefined;
  }

  /** `index.html` or `assets/<file>`; undefined when absent or not a name Vite writes. */
  get(name: string): DashboardFile | undefined {
    if (!this.root || !/^(index\.html|assets\/[A-Za-z0-9_.-]+)$/.test(name) || name.includes('..')) return undefined;
    if (!this.cache.has(name)) {
      const path = join(this.root, name);
      const ext = /\.[a-z0-9]+$/i.exec(name)?.[0].toLowerCase() ?? '';
      this.cache.set(name, existsSync(path) && TYPES[ext] ? { body: readFileSync(path), type: TYPES[ext] } : null);
    }
    return this.cache.get(name) ?? undefined;
  }
}

/** `<package root>/dist/dashboard` above `from`, or undefined when there is no package root. */
export function findBuiltDashboard(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'dashboard');
    if (dirname(dir) === dir) return undefined;
  }
}
