import type { Decision, DenyEvent } from '@denytrace/schema';
import { REFUSAL_STATUSES } from '@denytrace/schema';

/**
 * Who refused a Kubernetes API request, from one audit event's annotations and response status.
 * Sources: audit annotations `authorization.k8s.io/decision` (`allow`/`forbid`) and
 * `authorization.k8s.io/reason` (https://kubernetes.io/docs/reference/labels-annotations-taints/audit-annotations/),
 * admission webhook denials (`admission webhook "<name>" denied the request: …`,
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/),
 * Pod Security admission (`violates PodSecurity "<level>:<version>"`, annotations
 * `pod-security.kubernetes.io/*`, https://kubernetes.io/docs/concepts/security/pod-security-admission/),
 * ValidatingAdmissionPolicy (`validation.policy.admission.k8s.io/validation_failure`),
 * API Priority and Fairness 429s (https://kubernetes.io/docs/concepts/cluster-administration/flow-control/).
 */
export interface K8sDecision {
  decision: Decision;
  action?: string;
  rule?: DenyEvent['rule'];
  rule_type?: string;
  evidence?: string;
}

const WEBHOOK = /admission webhook "([^"]+)" denied the request/;
const POD_SECURITY = /violates PodSecurity "([^"]+)"/;
const POLICY = /ValidatingAdmissionPolicy '([^']+)'/;

/**
 * `decisionWord` is the authorization decision annotation, `reason` its reason, `code` the response
 * status (undefined before the response, e.g. stage RequestReceived), `message`/`statusReason` the
 * response status message and reason, `annotations` every annotation (keys looked at for admission).
 */
export function k8sDecision(decisionWord: string | undefined, reason: string | undefined, code: number | undefined, message: string | undefined, statusReason: string | undefined, annotations: Record<string, unknown>): K8sDecision {
  const ev = [
    decisionWord ? `authorization.k8s.io/decision=${decisionWord}` : undefined,
    reason ? `reason: ${reason}` : undefined,
    code !== undefined ? `responseStatus ${code}${statusReason ? ` ${statusReason}` : ''}${message ? `: ${message}` : ''}` : undefined,
  ].filter(Boolean).join('; ') || undefined;
  if (decisionWord === 'forbid') {
    return {
      decision: 'deny', action: 'forbid', rule_type: 'authorization', evidence: ev,
      rule: { id: 'authorization/forbid', name: reason || message || 'no authorizer allowed the request', ruleset: 'kubernetes-authorization', category: 'rbac' },
    };
  }
  if (code === undefined) return { decision: decisionWord === 'allow' ? 'pass' : 'unknown', action: decisionWord, evidence: ev };
  const admissionKeys = Object.keys(annotations).filter((k) => /admission\.k8s\.io\/|^pod-security\.kubernetes\.io\//.test(k));
  const webhook = message ? WEBHOOK.exec(message)?.[1] : undefined;
  const podSecurity = message ? POD_SECURITY.exec(message)?.[1] : undefined;
  const policy = message ? POLICY.exec(message)?.[1] : undefined;
  const failure = annotations['validation.policy.admission.k8s.io/validation_failure'];
  if (code >= 400 && (webhook || podSecurity || policy || (failure !== undefined && code === 422) || (code === 403 && admissionKeys.length > 0))) {
    const id = webhook ?? (podSecurity ? `PodSecurity ${podSecurity}` : policy ?? (admissionKeys[0] || 'admission'));
    return {
      decision: 'deny', action: 'deny', rule_type: 'admission', evidence: ev + (admissionKeys.length ? `; admission annotations ${admissionKeys.join(', ')}` : ''),
      rule: { id, name: message ?? statusReason ?? id, ruleset: 'kubernetes-admission', category: webhook ? 'admission-webhook' : podSecurity ? 'pod-security' : 'admission-policy' },
    };
  }
  if (code === 401) {
    return { decision: 'deny', action: 'deny', rule_type: 'authentication', evidence: ev, rule: { id: 'authentication', name: message ?? 'Unauthorized', ruleset: 'kubernetes-authentication' } };
  }
  if (code === 429) {
    return { decision: 'deny', action: 'deny', rule_type: 'flow-control', evidence: ev, rule: { id: 'api-priority-and-fairness', name: message ?? 'Too many requests', ruleset: 'kubernetes-flow-control' } };
  }
  if (REFUSAL_STATUSES.has(code)) return { decision: 'deny', action: 'deny', evidence: ev };
  return { decision: 'pass', action: decisionWord, evidence: ev };
}

/** HTTP method of a Kubernetes verb (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb). */
export const VERB_METHOD: Readonly<Record<string, string>> = {
  get: 'GET', list: 'GET', watch: 'GET', head: 'HEAD', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE', options: 'OPTIONS',
};
