import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** `../shared` beside the project root (CI clones the repo next to it). Tests only. */
export const SHARED = resolve(__dirname, '..', '..', 'shared');
export const sharedPath = (...p: string[]) => resolve(SHARED, ...p);
export const hasShared = existsSync(SHARED);
