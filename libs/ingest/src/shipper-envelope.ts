/**
 * Keys a log shipper adds around a raw line: metadata about where and when it read the line, never
 * the layer's own record. An object whose keys are all in this set plus one log-bearing string
 * (`message` or `log`) is an envelope.
 *
 * - Vector (https://vector.dev/docs/reference/configuration/sources/file/ and the `docker_logs`,
 *   `kubernetes_logs`, `journald`, `syslog` sources): the line in `message`, with `timestamp`, `host`,
 *   `file`, `source_type`, `stream`, `container_*`, `image`, `label`, `kubernetes`, `hostname`, `appname` …
 * - Fluent Bit (https://docs.fluentbit.io/manual/pipeline/inputs/tail and
 *   https://docs.fluentbit.io/manual/pipeline/outputs/http): the line in `log` (the tail input's
 *   `Key`), the read time in `date` (`json_date_key`, a float of epoch seconds by default), and
 *   optionally `filename`/`path` (`Path_Key`), `stream`, `time`, `_p`, `kubernetes`.
 *
 * The shipper's timestamp is when it read the line, not when the layer handled the request, so it is
 * dropped: the time comes from the line itself.
 */
export const SHIPPER_METADATA_KEYS: ReadonlySet<string> = new Set([
  '@timestamp', 'timestamp', 'date', 'time', 'host', 'hostname', 'file', 'filename', 'path', 'offset', 'source',
  'source_type', 'stream', '_p', 'tag', 'tags', 'labels', 'kubernetes', 'docker', 'container_id', 'container_name',
  'container_created_at', 'image', 'label', 'appname', 'facility', 'severity', 'procid', 'msgid', 'source_ip', 'port',
  'ddsource', 'ddtags', 'service', 'agent', 'ecs', 'input', 'log.file.path',
]);

/**
 * The raw line inside a shipper's envelope, or undefined when `text` is not one (a real record —
 * WAF JSON, an app's JSON log, a Cloudflare Logpush record — or not JSON at all), so it is parsed as
 * it is. An envelope is a JSON object with exactly one of `message` / `log` as a string and every
 * other key in {@link SHIPPER_METADATA_KEYS}; a JSON string element (`"raw line"`) is its own raw line.
 * Cheap for non-envelopes: only text starting with `{` and naming `"message"` or `"log"` is parsed.
 */
export function unwrapEnvelope(text: string): string | undefined {
  const c = text.charCodeAt(0);
  if (c === 0x22) {
    try {
      const v: unknown = JSON.parse(text);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  if (c !== 0x7b || (!text.includes('"message"') && !text.includes('"log"'))) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const rec = obj as Record<string, unknown>;
  const message = typeof rec.message === 'string';
  const log = typeof rec.log === 'string';
  if (message === log) return undefined; // neither, or both: not a plain envelope
  const key = message ? 'message' : 'log';
  for (const k of Object.keys(rec)) {
    if (k !== key && !SHIPPER_METADATA_KEYS.has(k)) return undefined;
  }
  return rec[key] as string;
}
