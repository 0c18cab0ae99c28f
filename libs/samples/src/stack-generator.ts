import { CLOUDFRONT_HEADER } from './cloudfront-line';
import { Prng } from './prng';
import type { ClientRequest, StackItem, StackOptions } from './stack-model';
import { StackSimulator } from './stack-simulator';
import { StackTimeline, type DeployEvent } from './stack-timeline';
import type { GeoNetwork } from './stack-world';
import { TrafficSource } from './traffic';

/** A credential-stuffing run against `POST /v1/auth/login` from one hosting address. */
interface BotSession { ip: string; net: GeoNetwork; remaining: number; nextMs: number }

/** Mean gap between login-bot sessions (ms) after the first, which starts at 10 % of the run. */
const BOT_SESSION_GAP_MS = 25 * 60_000;
/** Mean gap between one bot's attempts (ms): fast enough to cross the rate-based limit in about a minute. */
const BOT_ATTEMPT_GAP_MS = 550;

/**
 * Deterministic logs of a whole stack: AWS WAF web ACL on a CloudFront distribution → CloudFront →
 * ALB → nginx → app services, in the vendors' own formats (see the `*-line.ts` files for each
 * format's reference). Yields `{ file, line }` for every log line — `cloudfront` starts with its
 * `#Version`/`#Fields` header — and, right after a refused request's lines, `{ file: 'truth', line,
 * truth }` naming the emitting layer, component, decisive rule and the ids each layer logged.
 *
 * `opts.requests` client requests arrive as a Poisson process of `ratePerSecond` (default 10) from
 * `opts.start` (UTC), plus login-bot bursts merged in time order (they count toward `requests`).
 * Roughly 1–4 % of requests are refused. Streams: memory stays flat whatever `requests` is.
 */
export function* generateStack(opts: StackOptions): Generator<StackItem, void, undefined> {
  if (!Number.isInteger(opts.requests) || opts.requests < 0) throw new RangeError('requests must be a non-negative integer');
  const rate = opts.ratePerSecond ?? 10;
  if (!(rate > 0)) throw new RangeError('ratePerSecond must be positive');
  const rng = new Prng(opts.seed);
  const timeline = new StackTimeline(opts);
  const traffic = new TrafficSource(rng);
  const sim = new StackSimulator(rng, timeline);
  for (const line of CLOUDFRONT_HEADER) yield { file: 'cloudfront', line };

  let nextBg = timeline.startMs + rng.exp(1000 / rate);
  let nextBotStart = timeline.startMs + 0.1 * timeline.durationMs;
  let bot: BotSession | null = null;
  for (let i = 0; i < opts.requests; i++) {
    if (!bot && nextBg >= nextBotStart) {
      const { ip, net } = traffic.hostingAddress();
      bot = { ip, net, remaining: rng.range(150, 320), nextMs: nextBotStart };
    }
    let req: ClientRequest;
    if (bot && bot.nextMs < nextBg) {
      req = traffic.loginAttempt(bot.nextMs, bot.ip, bot.net);
      bot.nextMs += rng.exp(BOT_ATTEMPT_GAP_MS);
      if (--bot.remaining === 0) {
        nextBotStart = bot.nextMs + rng.exp(BOT_SESSION_GAP_MS);
        bot = null;
      }
    } else {
      req = traffic.next(nextBg);
      nextBg += rng.exp(1000 / rate);
    }
    yield* sim.simulate(req);
  }
}

/** The deploy events of a run with these options (`deploys.jsonl`), for post-rollout attribution. */
export function stackDeploys(opts: StackOptions): DeployEvent[] {
  return new StackTimeline(opts).deploys;
}
