import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateStack } from '@denytrace/samples';

/** A handle on V8's collector, so heap samples measure live data rather than garbage. */
function gcHandle(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('generateStack memory', () => {
  it('keeps the heap flat over 80 k requests (streams, holds no request history)', () => {
    const gc = gcHandle();
    const samples: number[] = [];
    let requests = -2; // one CloudFront line per request, after the 2 header lines
    let bytes = 0;
    for (const item of generateStack({ seed: 9, start: new Date('2024-06-04T00:00:00Z'), requests: 80_000, ratePerSecond: 40, incidents: true })) {
      bytes += item.line.length;
      if (item.file === 'cloudfront' && ++requests > 0 && requests % 10_000 === 0) {
        gc();
        samples.push(process.memoryUsage().heapUsed);
      }
    }
    expect(bytes).toBeGreaterThan(80_000 * 500); // hundreds of MB of text went through
    
    expect(samples).toHaveLength(8);
    const growth = Math.max(...samples) - samples[0];
    expect(growth).toBeLessThan(16 * 1024 * 1024);
  });
});
