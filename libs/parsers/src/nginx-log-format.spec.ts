import { NGINX_COMBINED_FORMAT, NginxLogFormatError, compileLogFormat } from './nginx-log-format';

// Directive syntax and the predefined `combined` format: http://nginx.org/en/docs/http/ngx_http_log_module.html#log_format
describe('compileLogFormat', () => {
  it('concatenates quoted parts, reads escape= and ${var}', () => {
    const f = compileLogFormat(`log_format  main  escape=none  '$remote_addr - \${remote_user} [$time_local] '\n    '"$request" $status';`);
    expect(f.name).toBe('main');
    expect(f.escape).toBe('none');
    expect(f.format).toBe('$remote_addr - ${remote_user} [$time_local] "$request" $status');
    expect(f.variables).toEqual(['remote_addr', 'remote_user', 'time_local', 'request', 'status']);
    const m = f.match('192.0.2.1 - bob [12/Mar/2024:14:00:00 +0000] "GET /a b HTTP/1.1" 403')!;
    expect(Object.fromEntries(m)).toEqual({ remote_addr: '192.0.2.1', remote_user: 'bob', time_local: '12/Mar/2024:14:00:00 +0000', request: 'GET /a b HTTP/1.1', status: '403' });
  });

  it('accepts a bare format string, reads list variables and unescapes \\xHH', () => {
    const f = compileLogFormat(`'$remote_addr "$http_user_agent" $upstream_addr $upstream_status $request_id'`);
    const m = f.match('192.0.2.1 "caf\\xC3\\xA9 \\x22q\\x22" 10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80 502, 504 : 403 abc')!;
    expect(m.get('http_user_agent')).toBe('café "q"');
    expect(m.get('upstream_addr')).toBe('10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80');
    expect(m.get('upstream_status')).toBe('502, 504 : 403');
    expect(m.get('request_id')).toBe('abc');
    expect(compileLogFormat(NGINX_COMBINED_FORMAT).variables).toHaveLength(8);
  });

  it('refuses directives it cannot read', () => {
    expect(() => compileLogFormat("log_format x 'no variables';")).toThrow(NginxLogFormatError);
    expect(() => compileLogFormat("log_format x '$status")).toThrow(NginxLogFormatError);
  });

  it('matching returns on 200 KB crafted lines', () => {
    const f = compileLogFormat(NGINX_COMBINED_FORMAT);
    for (const l of ['"'.repeat(200_000), '[' + ' ]'.repeat(100_000), '1 - - [x] "' + '\\'.repeat(200_000)]) {
      expect(f.match(l)).toBeUndefined();
    }
  });
});
