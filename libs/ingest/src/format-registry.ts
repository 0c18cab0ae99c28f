import { detectFormat, FORMATS, getFormat, type LogFormat } from '@denytrace/parsers';

/**
 * The formats ingest can read and how it recognises them. The default is the parsers' registry
 * (`FORMATS`, `getFormat`, `detectFormat` from `@denytrace/parsers`); tests and embedders may pass
 * another through `IngestDeps.formats`.
 */
export interface FormatRegistry {
  /** The best format for the first ≤ 20 non-blank lines of a file, or undefined when none fits. */
  detect(sample: readonly string[]): { format: LogFormat; score: number } | undefined;
  /** The format with this `--format` name. */
  get(name: string): LogFormat | undefined;
  /** Every known format name, for error messages. */
  names(): string[];
}

/** The registry of `@denytrace/parsers`. */
export const parserFormats: FormatRegistry = {
  detect: (sample) => detectFormat(sample),
  get: (name) => getFormat(name),
  names: () => FORMATS.map((f) => f.name),
};

/** A registry over a fixed list: detection scores each format and keeps the best above 0.5 (first wins ties). */
export function formatRegistryOf(formats: readonly LogFormat[]): FormatRegistry {
  return {
    detect(sample) {
      let best: { format: LogFormat; score: number } | undefined;
      for (const format of formats) {
        const score = format.detect(sample);
        if (score > 0.5 && (!best || score > best.score)) best = { format, score };
      }
      return best;
    },
    get: (name) => formats.find((f) => f.name === name),
    names: () => formats.map((f) => f.name),
  };
}
