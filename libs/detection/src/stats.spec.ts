import { binomialUpperTail, logGamma, poissonUpperTail } from './stats';

/** Exact sums of the probability mass, computed term by term (independent of the incomplete beta/gamma route). */
function binomialTailBySum(n: number, k: number, p: number): number {
  let total = 0;
  for (let i = k; i <= n; i++) {
    let c = 1;
    for (let j = 1; j <= i; j++) c = (c * (n - i + j)) / j;
    total += c * p ** i * (1 - p) ** (n - i);
  }
  return total;
}
function poissonTailBySum(lambda: number, k: number): number {
  let below = 0;
  let term = Math.exp(-lambda);
  for (let i = 0; i < k; i++) {
    below += term;
    term *= lambda / (i + 1);
  }
  return 1 - below;
}

describe('stats', () => {
  it('logGamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('binomial upper tail: hand-checked values', () => {
    // P(X ≥ 8), X ~ Bin(10, 1/2) = (45 + 10 + 1) / 1024
    expect(binomialUpperTail(10, 8, 0.5)).toBeCloseTo(56 / 1024, 12);
    // P(X ≥ 1) = 1 − (1 − p)^n
    expect(binomialUpperTail(20, 1, 0.1)).toBeCloseTo(1 - 0.9 ** 20, 12);
    expect(binomialUpperTail(5, 0, 0.3)).toBe(1);
    expect(binomialUpperTail(5, 6, 0.3)).toBe(0);
  });

  it.each([
    [30, 4, 0.005], [15, 5, 0.0045], [200, 40, 0.05], [1000, 30, 0.02], [16, 16, 0.04],
  ])('binomial tail(n=%d, k=%d, p=%d) equals the summed mass', (n, k, p) => {
    const want = binomialTailBySum(n, k, p);
    expect(Math.abs(binomialUpperTail(n, k, p) - want) / want).toBeLessThan(1e-8);
  });

  it('poisson upper tail: hand-checked and summed values', () => {
    // P(X ≥ 3), λ = 1: 1 − e⁻¹(1 + 1 + 1/2)
    expect(poissonUpperTail(1, 3)).toBeCloseTo(1 - Math.exp(-1) * 2.5, 12);
    for (const [lambda, k] of [[0.5, 5], [3, 12], [40, 70], [0.05, 5]] as const) {
      const want = poissonTailBySum(lambda, k);
      expect(Math.abs(poissonUpperTail(lambda, k) - want) / want).toBeLessThan(1e-6);
    }
    expect(poissonUpperTail(2, 0)).toBe(1);
  });
});
