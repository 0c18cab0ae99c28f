import { createHmac } from 'node:crypto';
import { checkGithubSignature } from './github-signature';

describe('checkGithubSignature', () => {
  // GitHub's own test values ("Validating webhook deliveries" › "Testing the webhook payload validation").
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("accepts the signature GitHub's documentation gives for its test secret and payload", () => {
    expect(checkGithubSignature(documented, body, secret)).toBeNull();
    expect(checkGithubSignature(documented.toUpperCase().replace('SHA256=', 'sha256='), body, secret)).toBeNull();
  });

  it('refuses another body, another secret, a missing or malformed header', () => {
    expect(checkGithubSignature(documented, Buffer.from('Hello, World?'), secret)).toBe('mismatch');
    expect(checkGithubSignature(documented, body, 'another secret entirely')).toBe('mismatch');
    expect(checkGithubSignature(undefined, body, secret)).toBe('missing');
    expect(checkGithubSignature('', body, secret)).toBe('missing');
    expect(checkGithubSignature(documented.slice(0, -2), body, secret)).toBe('malformed');
    const sha1 = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
    expect(checkGithubSignature(sha1, body, secret)).toBe('malformed');
  });
});
