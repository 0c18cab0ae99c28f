import { appJsonFormat } from './app-json.parser';
import { albFormat } from './aws-alb.parser';
import { apigatewayFormat } from './aws-apigateway.parser';
import { caddyFormat } from './caddy.parser';
import { haproxyFormat } from './haproxy.parser';
import { ingressNginxFormat } from './ingress-nginx.parser';
import { kongFormat } from './kong.parser';
import { traefikFormat } from './traefik.parser';
import { cloudfrontFormat } from './aws-cloudfront.parser';
import { awsWafFormat } from './aws-waf.parser';
import { nginxFormat } from './nginx-access.parser';
import { nginxErrorFormat } from './nginx-error.parser';
import { cloudflareFirewallFormat } from './cloudflare-firewall.parser';
import { cloudflareHttpFormat } from './cloudflare-http.parser';
import { cloudtrailFormat } from './aws-cloudtrail.parser';
import { gcpArmorFormat } from './gcp-armor.parser';
import { azureWafFormat } from './azure-waf.parser';
import { azureFrontDoorAccessFormat } from './azure-frontdoor-access.parser';
import { corazaFormat } from './coraza.parser';
import { envoyFormat } from './envoy.parser';
import { k8sAuditFormat } from './k8s-audit.parser';
import { modsecurityFormat } from './modsecurity.parser';
import { opaDecisionFormat } from './opa-decision.parser';
import { openAppsecFormat } from './openappsec.parser';
import type { LogFormat } from './parser';

/**
 * Every format denytrace reads, outermost layer first. The order breaks detection ties, so exact
 * vendor formats come before the looser ones (app JSON last: any JSON with the shape of an app
 * authorization/audit record that no other product is recognised in, see `isAppAuditRecord`).
 */
export const FORMATS: readonly LogFormat[] = [
  awsWafFormat, cloudflareFirewallFormat, azureWafFormat, cloudfrontFormat, cloudflareHttpFormat, azureFrontDoorAccessFormat,
  albFormat, gcpArmorFormat, apigatewayFormat, kongFormat, traefikFormat, haproxyFormat, caddyFormat,
  modsecurityFormat, corazaFormat, openAppsecFormat, envoyFormat, opaDecisionFormat, k8sAuditFormat,
  // ingress-nginx is nginx with a fixed tail: before plain nginx, which would read it too.
  ingressNginxFormat, nginxFormat, nginxErrorFormat, cloudtrailFormat, appJsonFormat,
];

/** The format of that `--format` name (`aws-waf`, `cloudflare-firewall`, `aws-cloudtrail`, `kong`, `envoy`, `k8s-audit`, `modsecurity`, `nginx`, `app-json` …). */
export function getFormat(name: string): LogFormat | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** Lines detection looks at. */
export const DETECT_SAMPLE_LINES = 20;
/** A format must score above this to be chosen. */
export const DETECT_MIN_SCORE = 0.5;

/**
 * Picks the format of a file from its first lines: every format's `detect` scores the first
 * {@link DETECT_SAMPLE_LINES} non-blank lines (a leading U+FEFF dropped); the best score above
 * {@link DETECT_MIN_SCORE} wins, ties going to the earlier format in {@link FORMATS}. Undefined when
 * nothing fits (the caller asks the user for `--format`).
 */
export function detectFormat(sample: readonly string[]): { format: LogFormat; score: number } | undefined {
  const lines: string[] = [];
  for (const l of sample) {
    if (lines.length >= DETECT_SAMPLE_LINES) break;
    const line = lines.length === 0 && l.charCodeAt(0) === 0xfeff ? l.slice(1) : l;
    if (line.trim() !== '') lines.push(line.replace(/\r$/, ''));
  }
  if (lines.length === 0) return undefined;
  let best: { format: LogFormat; score: number } | undefined;
  for (const format of FORMATS) {
    let score: number;
    try {
      score = format.detect(lines);
    } catch {
      score = 0;
    }
    if (score > DETECT_MIN_SCORE && (!best || score > best.score)) best = { format, score };
  }
  return best;
}
