import { cfRayId, idCandidates, traceCorrelationIds, xrayRoot, xrayToW3c } from './correlation-ids';

describe('correlation ids', () => {
  it('reads the X-Ray Root from every logged shape (AWS X-Ray tracing header docs)', () => {
    expect(xrayRoot('Root=1-65f043c0-5ea0e2470e8f99a64adf820d')).toBe('1-65f043c0-5ea0e2470e8f99a64adf820d');
    expect(xrayRoot('Self=1-67891234-12456789abcdef012345678;Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1')).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(xrayRoot('1-5759E988-BD862E3FE1BE46A994272793')).toBe('1-5759e988-bd862e3fe1be46a994272793');
    expect(xrayRoot('-')).toBeUndefined();
  });

  it('an ALB header with Self= also gives the Self id (unique per request)', () => {
    expect(traceCorrelationIds('Self=1-67891234-12456789abcdef0123456789;Root=1-5759e988-bd862e3fe1be46a994272793')).toEqual([
      'xray:1-5759e988-bd862e3fe1be46a994272793',
      'xray:1-67891234-12456789abcdef0123456789',
    ]);
  });

  it('maps a 32-hex trace id and a traceparent to the X-Ray Root they stand for (OpenTelemetry X-Ray propagator)', () => {
    expect(xrayToW3c('1-5c2c7d90-1a2b3c4d5e6f708192a3b4c5')).toBe('5c2c7d901a2b3c4d5e6f708192a3b4c5');
    const want = ['trace:5c2c7d901a2b3c4d5e6f708192a3b4c5', 'xray:1-5c2c7d90-1a2b3c4d5e6f708192a3b4c5'];
    expect(traceCorrelationIds('5c2c7d901a2b3c4d5e6f708192a3b4c5')).toEqual(want);
    expect(traceCorrelationIds('00-5c2c7d901a2b3c4d5e6f708192a3b4c5-00f067aa0ba902b7-01')).toEqual(want);
    expect(traceCorrelationIds('00000000000000000000000000000000')).toEqual([]);
  });

  it('drops the colo from a CF-Ray header (Cloudflare: "Ray ID is the first part of CF-RAY")', () => {
    expect(cfRayId('4a807f60ca5727a4-FRA')).toBe('4a807f60ca5727a4');
  });

  it('tries a bare id as every kind, and hex typed in upper case also in lower case', () => {
    expect(idCandidates('amzcf:abc')).toEqual(['amzcf:abc']);
    const c = idCandidates('CBC3EE375A5E686CD08D30C7D7D8E77F');
    expect(c).toContain('xrid:cbc3ee375a5e686cd08d30c7d7d8e77f');
    expect(c).toContain('trace:cbc3ee375a5e686cd08d30c7d7d8e77f');
    expect(idCandidates('9Zh89bGz9ZzHCRE-TgX8HuNF3ywfB2zthWgHuchNSylQFEttHu4l-Q==')).toContain('amzcf:9Zh89bGz9ZzHCRE-TgX8HuNF3ywfB2zthWgHuchNSylQFEttHu4l-Q==');
  });
});
