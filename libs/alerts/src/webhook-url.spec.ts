import { assertPublicHost, isNonPublicAddress, NonPublicHostError, validateWebhookUrl } from './webhook-url';

describe('validateWebhookUrl', () => {
  it('accepts http and https URLs, private ones included by default (self-hosted)', () => {
    for (const u of ['https://hooks.slack.com/services/T0/B0/x', 'http://10.0.0.5:8080/hook', 'http://localhost:9000/', 'https://[::1]/x']) {
      const r = validateWebhookUrl(u);
      expect(r.ok).toBe(true);
    }
  });
  it('refuses other schemes, credentials, relative and over-long URLs', () => {
    expect(validateWebhookUrl('ftp://example.com/x')).toMatchObject({ ok: false, problem: 'unsupported_scheme' });
    expect(validateWebhookUrl('javascript:alert(1)')).toMatchObject({ ok: false, problem: 'unsupported_scheme' });
    expect(validateWebhookUrl('file:///etc/passwd')).toMatchObject({ ok: false, problem: 'unsupported_scheme' });
    expect(validateWebhookUrl('https://user:pw@example.com/x')).toMatchObject({ ok: false, problem: 'credentials_in_url' });
    expect(validateWebhookUrl('https://token@example.com/x')).toMatchObject({ ok: false, problem: 'credentials_in_url' });
    expect(validateWebhookUrl('/relative/hook')).toMatchObject({ ok: false, problem: 'invalid_url' });
    expect(validateWebhookUrl('https://example.com/' + 'a'.repeat(2100))).toMatchObject({ ok: false, problem: 'too_long' });
  });
  it('with refusePrivate, refuses loopback, private, link-local, CGNAT, unique-local, mapped and obfuscated IPv4', () => {
    const refused = [
      'http://127.0.0.1/', 'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.1/', 'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/', 'http://0.0.0.0/', 'http://[::1]/', 'http://[fe80::1]/', 'http://[fd00::1]/', 'http://[::ffff:127.0.0.1]/',
      'http://0x7f.1/', 'http://2130706433/', 'http://localhost/', 'http://api.localhost./', 'http://224.0.0.1/',
    ];
    for (const u of refused) expect([u, validateWebhookUrl(u, { refusePrivate: true })]).toMatchObject([u, { ok: false, problem: 'private_address' }]);
    for (const u of ['https://93.184.215.14/', 'https://[2606:4700::1111]/', 'https://hooks.example.com/']) {
      expect([u, validateWebhookUrl(u, { refusePrivate: true }).ok]).toEqual([u, true]);
    }
  });
});

describe('isNonPublicAddress / assertPublicHost', () => {
  it('judges addresses, not names', () => {
    expect(isNonPublicAddress('192.168.0.1')).toBe(true);
    expect(isNonPublicAddress('[::ffff:10.0.0.1]')).toBe(true);
    expect(isNonPublicAddress('8.8.8.8')).toBe(false);
    expect(isNonPublicAddress('example.com')).toBe(false);
  });
  it('refuses a name that resolves to a private address (lookup injected)', async () => {
    const lookup = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.7', family: 4 }];
    await expect(assertPublicHost('rebind.example', lookup)).rejects.toThrow(NonPublicHostError);
    await expect(assertPublicHost('ok.example', async () => [{ address: '8.8.4.4', family: 4 }])).resolves.toBeUndefined();
    await expect(assertPublicHost('[::1]')).rejects.toThrow('non-public address ::1');
  });
});
