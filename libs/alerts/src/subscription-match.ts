import type { Spike, WebhookSubscription } from '@denytrace/schema';

export type { Spike, SpikeDeploy, SpikeKind, WebhookSubscription } from '@denytrace/schema';

/** The two notifications a spike gives a subscription. */
export type NotificationEvent = 'firing' | 'resolved';

/**
 * Whether a spike concerns a subscription: its kind is in `kinds` and its service (`spike.service`,
 * else the deploy's service) is in `services`, each filter applying only when given and non-empty.
 * A spike without a service never matches a subscription restricted to services.
 */
export function subscriptionMatches(spike: Spike, sub: WebhookSubscription): boolean {
  if (sub.kinds?.length && !sub.kinds.includes(spike.kind)) return false;
  if (sub.services?.length) {
    const service = spike.service ?? spike.deploy?.service;
    if (service === undefined || !sub.services.includes(service)) return false;
  }
  return true;
}
