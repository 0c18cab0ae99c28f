import { formatSlack } from './slack.format';
import { regionSpike, rolloutSpike, subscription } from '../testing/spike.fixture';
import type { Spike } from '../subscription-match';

// printf '["sub-slack","<spike id>"]' | sha256sum | cut -c1-40
const KEY_REGION = 'denytrace-29741f2df93eaba0c8e270c900b8d0aaa242927d';
const KEY_ROLLOUT = 'denytrace-d412c73cdc6cfe8fb7018651482d2c5b69a494c3';
const sub = subscription('slack', 'sub-slack');
const md = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

/** Every text string of a Slack message, for assertions over all of them. */
function texts(msg: { text: string; blocks: any[] }): string[] {
  const out = [msg.text];
  for (const b of msg.blocks) {
    if (b.text) out.push(b.text.text);
    for (const f of b.fields ?? []) out.push(f.text);
    for (const e of b.elements ?? []) out.push(e.text);
  }
  return out;
}

describe('Slack Block Kit format', () => {
  it('firing: header, section with fields, context, fallback text (hand-checked)', () => {
    const out = formatSlack(regionSpike, 'firing', sub, { dashboardUrl: 'https://denytrace.example.com/' });
    expect(out.contentType).toBe('application/json');
    expect(out.headers).toEqual({ 'X-Denytrace-Event': 'spike.firing', 'X-Denytrace-Dedup-Key': KEY_REGION });
    expect(JSON.parse(out.body)).toEqual({
      text: '403 spike firing: region-wide block: 403s from BR up ×84 (42.0/min vs 0.5/min), 97% by waf rule GeoBlockSA',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '403 spike firing: region-wide block, BR' } },
        {
          type: 'section',
          text: md('403s from BR up ×84 (42.0/min vs 0.5/min), 97% by waf rule GeoBlockSA'),
          fields: [
            md('*Dimension*\n`source.geo.country_iso_code` = `BR`'),
            md('*Emitting layer*\n`waf` (`aws-waf`), 97.0% of the 403s'),
            md('*Decisive rule*\n`GeoBlockSA`'),
            md('*403s*\n420 (42.0/min, baseline 0.5/min)'),
            md('*Deny ratio*\n38.1% (baseline 0.4%)'),
            md('*Magnitude*\n×84.0'),
            md('*Window*\n2024-03-12T14:50:00.000Z → still firing'),
          ],
        },
        {
          type: 'context',
          elements: [
            md('Sample traces: `fc59w8RrRxyhsWl4z8VQ`, `a1`, `b2`'),
            md(`Dedup key \`${KEY_REGION}\``),
            md('<https://denytrace.example.com/spikes/spk_2024-03-12T14%3A50Z_geo_BR|Open in denytrace>'),
          ],
        },
      ],
    });
  });

  it('resolved post-rollout spike: scope and deploy fields, deploy link', () => {
    const msg = JSON.parse(formatSlack(rolloutSpike, 'resolved', sub).body);
    expect(msg.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Resolved: 403 spike, post-rollout write denial, orders' } });
    expect(msg.blocks[1].fields.slice(6)).toEqual([
      md('*Window*\n2024-03-12T10:02:00.000Z → 2024-03-12T10:40:00.000Z'),
      md('*Scope*\nservice `orders`, role `clerk`, route `POST /orders`, writes'),
      md('*Deploy*\n`orders` `2.3.1` in `prod`, started 2024-03-12T10:00:00.000Z (<https://ci.example.com/deploys/77|deploy>)'),
    ]);
    expect(msg.blocks[2].elements).toEqual([md('Sample traces: `t1`'), md(`Dedup key \`${KEY_ROLLOUT}\``)]);
  });

  it('hostile log values cannot mention, link, format or break out', () => {
    const hostile: Spike = {
      ...regionSpike,
      value: '<!channel> @here',
      dimension: 'url.path',
      summary: 'path /a&b <@U024BE7LH> <!subteam^S1|devs> <https://evil.example|click here> @everyone \u0007\u001b[31m\u202eevil',
      top_emitter: { layer: 'app', component: 'svc`*x*`', rule_id: '<!here|x> `*bold*` ~s~', share: 0.5 },
      role: '@channel',
      sample_trace_ids: ['<@UABC>'],
      deploy: { ...rolloutSpike.deploy!, link: 'https://ci.example.com/x?a=1&b=<2>|3' },
    };
    const msg = JSON.parse(formatSlack(hostile, 'firing', sub).body);
    const all = texts(msg);
    for (const t of all) {
      expect(t).not.toMatch(/<[!@#]/); // no special parsing sequence survives
      expect(t).not.toMatch(/<https:\/\/evil/);
      expect(t).not.toMatch(/@(here|channel|everyone)/i); // broken by a word joiner
      expect(t).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/); // only our own \n in fields
    }
    expect(msg.blocks[0].text.text).toBe('403 spike firing: region-wide block, &lt;!channel&gt; @\u2060here');
    expect(msg.blocks[1].text.text).toBe(
      'path /a&amp;b &lt;@U024BE7LH&gt; &lt;!subteam^S1|devs&gt; &lt;https://evil.example|click here&gt; @\u2060everyone [31mevil',
    );
    const fields = msg.blocks[1].fields.map((f: { text: string }) => f.text);
    expect(fields[2]).toBe('*Decisive rule*\n`&lt;!here|x&gt; ˋ*bold*ˋ ~s~`');
    expect(fields[1]).toBe('*Emitting layer*\n`app` (`svcˋ*x*ˋ`), 50.0% of the 403s');
    // the deploy link's query is kept, with | < > percent-encoded and & escaped: one link, not two
    const deploy = fields.find((f: string) => f.startsWith('*Deploy*'));
    expect(deploy).toContain('(<https://ci.example.com/x?a=1&amp;b=%3C2%3E%7C3|deploy>)');
  });

  it('length limits: header 150, section 3000, fields 2000, without cutting an entity', () => {
    const long: Spike = { ...regionSpike, value: '&'.repeat(400), summary: '<'.repeat(5000), top_emitter: { ...regionSpike.top_emitter, rule_id: 'r'.repeat(5000) } };
    const msg = JSON.parse(formatSlack(long, 'firing', sub).body);
    const header = msg.blocks[0].text.text as string;
    const section = msg.blocks[1].text.text as string;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header).toMatch(/(&amp;)+…$/);
    expect(section.length).toBeLessThanOrEqual(3000);
    expect(section).toMatch(/^(&lt;)+…$/);
    for (const f of msg.blocks[1].fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    expect(msg.text.length).toBeLessThanOrEqual(3000);
  });
});
