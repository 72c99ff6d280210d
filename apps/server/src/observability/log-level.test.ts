import { describe, expect, it } from 'vitest';
import { resolveLogLevel, toLogLevel } from './log-level.ts';

describe('toLogLevel', () => {
  it.each([
    ['Trace', 'trace'],
    ['Debug', 'debug'],
    ['Information', 'info'],
    ['Warning', 'warn'],
    ['Error', 'error'],
    ['Critical', 'fatal'],
    ['None', 'silent'],
    ['information', 'info'],
    ['WARN', 'warn'],
    ['fatal', 'fatal'],
    ['silent', 'silent'],
  ])('%s - is pino level %s', (name, level) => {
    expect(toLogLevel(name)).toBe(level);
  });

  it('an unknown name, or an inherited property name, is no level', () => {
    expect(toLogLevel('Loud')).toBeUndefined();
    expect(toLogLevel('constructor')).toBeUndefined();
    expect(toLogLevel('')).toBeUndefined();
  });
});

describe('resolveLogLevel', () => {
  const section = { logLevel: { default: 'Warning' } };

  it('--log-level / IDSRV_LOG_LEVEL wins over the configuration', () => {
    expect(resolveLogLevel('Debug', section)).toBe('debug');
  });

  it('the configuration Logging:LogLevel:Default applies without an option', () => {
    expect(resolveLogLevel(undefined, section)).toBe('warn');
    expect(resolveLogLevel('', section)).toBe('warn');
  });

  it('info without either', () => {
    expect(resolveLogLevel(undefined, undefined)).toBe('info');
    expect(resolveLogLevel(undefined, {})).toBe('info');
  });
});
