import type { DenyEvent } from '@denytrace/schema';

/**
 * Why a record was rejected. Stable kebab/snake words: they are counted per file in the ingest
 * summary, stored with the quarantined line, and exported as metric labels.
 */
export type RejectReason =
  | 'line_too_long'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'no_match'
  | 'missing_field'
  | 'invalid_timestamp'
  | 'invalid_ip'
  | 'invalid_field'
  | 'unknown_format'
  | 'truncated_gzip'
  | 'read_error';

/** What a line parser makes of one physical line. */
export type ParseOutcome =
  | { kind: 'event'; event: DenyEvent }
  /** A header, comment or blank line: no record, no error (e.g. CloudFront `#Fields:`). */
  | { kind: 'skip' }
  | { kind: 'reject'; reason: RejectReason; detail: string };

/** Options a user may give for one file or stream. */
export interface ParserOptions {
  /** An nginx `log_format` directive in nginx's own syntax (`log_format name '...';`) or just its format string. */
  nginxLogFormat?: string;
  /** For app JSON logs: ECS field name → dotted path in the record, for shapes the defaults do not know. */
  appFieldMap?: Record<string, string>;
  /** Name of the file or stream, for `denytrace.source_file`. */
  sourceName?: string;
}

/** Parses the lines of one file or stream in order; may keep state (a CloudFront `#Fields:` header). */
export interface LineParser {
  /** `lineNo` is the 1-based physical line; `line` has no line terminator, no BOM, no trailing CR. */
  parse(line: string, lineNo: number): ParseOutcome;
}

/** One log format: how to recognise it and how to read it. */
export interface LogFormat {
  /** Stable name, used by `--format`: `aws-waf`, `aws-cloudfront`, `aws-alb`, `nginx`, `nginx-error`, `app-json` … */
  name: string;
  /** The ECS `event.dataset` its events carry. */
  dataset: string;
  /** One line a user reads in `--help` and the formats table. */
  description: string;
  /**
   * How sure we are that these first non-blank lines of a file are this format, 0..1. Pure and cheap:
   * it runs on every file. 0 means certainly not.
   */
  detect(sample: readonly string[]): number;
  /** A fresh parser for one file or stream. */
  createParser(options: ParserOptions): LineParser;
}
