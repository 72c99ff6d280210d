import { describe, expect, it, vi } from 'vitest';
import { createLogger, serializeError } from './logger.ts';

function capture() {
  const raw: string[] = [];
  return { raw, write: (line: string) => void raw.push(line) };
}

describe('createLogger', () => {
  it('writes JSON lines with the level as a name and an ISO time', () => {
    const out = capture();
    createLogger({ format: 'json', destination: out }).info({ port: 5000 }, 'idsrv listening');
    const line = JSON.parse(out.raw[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', port: 5000, msg: 'idsrv listening' });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', format: 'json', destination: out });
    log.info('not written');
    log.warn('written');
    expect(out.raw).toHaveLength(1);
    expect(createLogger({ level: 'silent', destination: out }).isLevelEnabled('fatal')).toBe(false);
  });

  it('redacts credentials that someone logs by mistake, and keeps an error code', () => {
    const out = capture();
    createLogger({ format: 'json', destination: out }).info(
      {
        headers: { authorization: 'Basic c2VydmljZS5jbGllbnQ6c2VjcmV0', cookie: '_session=abc' },
        params: { client_secret: 'secret', code: 'the-code', grant_type: 'authorization_code' },
        refresh_token: 'rt-value',
        err: Object.assign(new Error('down'), { code: 'ERR_STORE_UNAVAILABLE' }),
      },
      'oops',
    );
    const text = out.raw.join('');
    for (const value of ['c2VydmljZS5jbGllbnQ6c2VjcmV0', '_session=abc', '"secret"', 'the-code', 'rt-value'])
      expect(text).not.toContain(value);
    const line = JSON.parse(text) as { params: Record<string, string>; err: { code: string } };
    expect(line.params.grant_type).toBe('authorization_code');
    expect(line.params.client_secret).toBe('[Redacted]');
    expect(line.err.code).toBe('ERR_STORE_UNAVAILABLE');
  });

  it('pretty output is text for people, on the given destination', async () => {
    const out = capture();
    const log = createLogger({ format: 'pretty', destination: out });
    log.info({ request_id: 'r1' }, 'idsrv listening on http://localhost:5000');
    // pino-pretty writes through a stream: wait for the line.
    await vi.waitFor(() => expect(out.raw.join('')).toContain('idsrv listening on http://localhost:5000'), {
      timeout: 10_000,
    });
    const text = out.raw.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('request_id: "r1"');
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe('serializeError', () => {
  it('keeps type, message, code, stack and cause, and drops everything else an error carries', () => {
    // ioredis' ReplyError carries the failed command, with a token's key and payload among its arguments.
    const cause = Object.assign(new Error("READONLY You can't write against a read only replica."), {
      command: { name: 'set', args: ['idsrv:AccessToken:abc', '{"accountId":"alice"}'] },
    });
    const error = new Error('store failed', { cause });
    const out = serializeError(error);
    expect(out).toMatchObject({ type: 'Error', message: 'store failed', cause: { message: cause.message } });
    expect(out.stack).toEqual(expect.any(String));
    expect(JSON.stringify(out)).not.toContain('AccessToken:abc');
    expect(serializeError('plain')).toEqual({ message: 'plain' });
  });
});
