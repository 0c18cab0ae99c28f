import type { DenyEvent, Layer } from '@denytrace/schema';
import { correlate } from './correlate';

let seq = 0;
/** A hand-built event; only what correlation reads. */
function ev(p: { at: string; component: string; layer: Layer; hop: number; decision: DenyEvent['denytrace']['decision']; ids: string[]; dataset: string; status?: number; rule?: string; ruleset?: string; refusedBy?: { layer: Layer; component: string } }): DenyEvent {
  seq++;
  return {
    '@timestamp': p.at,
    event: { dataset: p.dataset, id: `a${String(seq).padStart(4, '0')}` },
    observer: { type: p.layer, vendor: 'x', product: p.component },
    http: { request: { method: 'GET' }, response: p.status === undefined ? undefined : { status_code: p.status } },
    url: { path: '/api/test' },
    rule: p.rule ? { id: p.rule, ruleset: p.ruleset } : undefined,
    denytrace: { layer: p.layer, component: p.component, hop: p.hop, decision: p.decision, correlation_ids: p.ids, upstream_status: p.decision === 'deny' ? null : undefined, refused_by: p.refusedBy },
  };
}

const XRID = 'xrid:1b07886b-9d46-4a9a-b3ba-3d24b1baec94';
const envoy = (refusedBy?: { layer: Layer; component: string }) =>
  ev({ at: '2025-11-28T16:02:27.482Z', component: 'envoy', layer: 'gateway', hop: 50, decision: 'deny', status: 403, ids: [XRID], dataset: 'envoyproxy.log', refusedBy });
const opa = (decision: 'deny' | 'pass') =>
  ev({ at: '2025-11-28T16:02:27.495Z', component: 'opa', layer: 'gateway', hop: 50, decision, ids: [XRID], dataset: 'opa.decision_logs', rule: 'envoy/authz/allow', ruleset: 'authz' });
const ctx = { now: Date.parse('2025-11-29T00:00:00Z') };

describe('an authorizer attached to the answering layer (Envoy ext_authz asking OPA)', () => {
  it('one verdict: the gateway (envoy) answered, OPA\'s policy is the decisive rule', () => {
    const vs = correlate([envoy({ layer: 'gateway', component: 'ext-authz' }), opa('deny')], ctx);
    expect(vs).toHaveLength(1);
    const v = vs[0];
    expect(v.emitting_layer).toBe('gateway');
    expect(v.emitter?.component).toBe('envoy');
    expect(v.emitter?.event.dataset).toBe('envoyproxy.log');
    expect(v.decisive_rule).toMatchObject({ id: 'envoy/authz/allow', ruleset: 'authz' });
    expect(v.confidence).toBe(0.95);
    expect(v.missing_layers).toEqual([]);
    expect(v.flags).toEqual([]);
    expect(v.events.map((e) => e.component).sort()).toEqual(['envoy', 'opa']);
  });

  it('without the authorizer\'s log: the gateway still emits, no rule, the authorizer is missing', () => {
    const [v] = correlate([envoy({ layer: 'gateway', component: 'ext-authz' })], ctx);
    expect(v.emitting_layer).toBe('gateway');
    expect(v.emitter?.component).toBe('envoy');
    expect(v.decisive_rule).toBeNull();
    expect(v.missing_layers).toEqual(['ext-authz (authorizer of envoy)']);
    expect(v.confidence).toBe(0.8);
  });

  it('an OPA allow does not become the decisive rule of an unrelated refusal', () => {
    const [v] = correlate([envoy({ layer: 'gateway', component: 'ext-authz' }), opa('pass')], ctx);
    expect(v.decisive_rule).toBeNull();
    expect(v.missing_layers).toEqual(['ext-authz (authorizer of envoy)']);
  });

  it('a refusal by another layer\'s attached component still names that layer (ALB and its web ACL)', () => {
    const alb = ev({ at: '2024-03-12T12:00:00.200Z', component: 'alb', layer: 'gateway', hop: 40, decision: 'deny', status: 403, ids: ['xray:1-65f043c0-000000000000000000000001'], dataset: 'aws.elb', refusedBy: { layer: 'waf', component: 'aws-waf' } });
    const [v] = correlate([alb], ctx);
    expect(v.emitting_layer).toBe('waf');
    expect(v.emitter?.component).toBe('aws-waf');
    expect(v.missing_layers).toEqual(['aws-waf']);
  });
});
