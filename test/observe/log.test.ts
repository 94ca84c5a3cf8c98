/** The operational log: JSON lines or readable ones, levels, and no secret ever written. */
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger, logLevelFrom, scrub } from '../../src/observe/log.js';

/** A destination that keeps what was written. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(String(chunk)), done()) });
  return { stream, text: () => chunks.join('') };
}

const SECRETS = ['hunter2', 'tok-123', 's3cret-key', 'env-token-xyz', 'pw-in-url', 'AKIA-SECRET', 'Bearer-abc'];

function logEverySecret(log: ReturnType<typeof createLogger>): void {
  log.info({ password: 'hunter2', user: 'alice' }, 'connecting');
  log.info({ mqtt: { url: 'mqtt://a', token: 'tok-123' } }, 'nested');
  log.warn({ s3: { credentials: { secretAccessKey: 'AKIA-SECRET' } }, device: { signingKey: 's3cret-key' } }, 'deeper');
  log.info({ req: { headers: { authorization: 'Bearer Bearer-abc' } } }, 'request');
  log.error('broker mqtt://alice:pw-in-url@broker.local:1883 refused; retry with password=hunter2 and token: tok-123');
  log.info(`the server token is env-token-xyz`);
  log.error({ err: new Error('cannot reach mqtts://bob:pw-in-url@host') }, 'failed');
}

it('JSON lines: every secret field and secret in a message is censored, the rest kept', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream, pretty: false, name: 'runnel test', secrets: ['env-token-xyz', undefined] });
  logEverySecret(log);
  const text = out.text();
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines).toHaveLength(7);
  expect(lines[0]).toMatchObject({ level: 30, name: 'runnel test', msg: 'connecting', password: '[redacted]', user: 'alice' });
  expect(lines[1]).toMatchObject({ mqtt: { url: 'mqtt://a', token: '[redacted]' } });
  expect(lines[2]).toMatchObject({ level: 40, s3: { credentials: '[redacted]' }, device: { signingKey: '[redacted]' } });
  expect(lines[4]!['msg']).toBe('broker mqtt://alice:[redacted]@broker.local:1883 refused; retry with password=[redacted] and token: [redacted]');
  expect(lines[5]!['msg']).toBe('the server token is [redacted]');
  expect((lines[6]!['err'] as { message: string }).message).toBe('cannot reach mqtts://bob:[redacted]@host');
});

it('readable lines for a terminal are censored the same way', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream, pretty: true, name: 'runnel test', secrets: ['env-token-xyz'] });
  logEverySecret(log);
  const text = out.text();
  expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(runnel test\): connecting\n {4}password: "\[redacted\]"\n {4}user: "alice"\n/);
  expect(text).toContain('WARN (runnel test): deeper');
  for (const secret of SECRETS) expect(text).not.toContain(secret);
});

it('levels: below the level nothing is written; --log-level wins over RUNNEL_LOG_LEVEL; a wrong one is named', () => {
  const out = capture();
  const log = createLogger({ destination: out.stream, pretty: false, level: 'warn' });
  log.info('not shown');
  log.debug('not shown either');
  log.warn('shown');
  expect(
    out
      .text()
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { msg: string }).msg),
  ).toEqual(['shown']);
  expect(logLevelFrom(undefined, undefined)).toEqual({ level: 'info' });
  expect(logLevelFrom(undefined, 'debug')).toEqual({ level: 'debug' });
  expect(logLevelFrom('error', 'debug')).toEqual({ level: 'error' });
  expect(logLevelFrom('loud', undefined)).toEqual({ error: '--log-level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"' });
  expect(logLevelFrom(undefined, 'LOUD')).toMatchObject({ error: expect.stringMatching(/^RUNNEL_LOG_LEVEL: expected one of/) as unknown });
});

it('scrub leaves ordinary messages alone', () => {
  expect(scrub(`json payload rejected: Unexpected token 'a', "at=1796567"… is not valid JSON`)).toBe(
    `json payload rejected: Unexpected token 'a', "at=1796567"… is not valid JSON`,
  );
  expect(scrub('listening on mqtt://127.0.0.1:1883')).toBe('listening on mqtt://127.0.0.1:1883');
});
