import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ShadowVerifier, signShadowTag } from './shadow.js';

describe('shadow tag', () => {
  it('is <run-id>.<lowercase hex HMAC-SHA256(secret, run-id)>', () => {
    const mac = createHmac('sha256', 's3cret').update('run-1').digest('hex');
    expect(signShadowTag('s3cret', 'run-1')).toBe(`run-1.${mac}`);
  });

  it('verifies a good tag, also for run ids with dots', () => {
    const v = new ShadowVerifier('s3cret');
    expect(v.verify(signShadowTag('s3cret', 'run-1'))).toEqual({ kind: 'verified', runId: 'run-1' });
    expect(v.verify(signShadowTag('s3cret', '2026.11.11_a-b'))).toEqual({ kind: 'verified', runId: '2026.11.11_a-b' });
    expect(v.verify(undefined)).toEqual({ kind: 'absent' });
  });

  it('treats anything else as forged', () => {
    const v = new ShadowVerifier('s3cret');
    const good = signShadowTag('s3cret', 'run-1');
    const forged = [
      signShadowTag('other', 'run-1'),
      good.toUpperCase(),
      good.slice(0, -1),
      good + '0',
      'run-1',
      '.' + good.split('.')[1],
      signShadowTag('s3cret', 'a'.repeat(129)),
      signShadowTag('s3cret', 'bad id'),
      signShadowTag('s3cret', 'run-1').replace('run-1', 'run-2'),
      '',
    ];
    for (const f of forged) expect(v.verify(f)).toEqual({ kind: 'forged' });
    expect(v.verify([good, good])).toEqual({ kind: 'forged' });
  });

  it('honours nothing without a secret', () => {
    const v = new ShadowVerifier(undefined);
    expect(v.enabled).toBe(false);
    expect(v.verify(signShadowTag('', 'run-1'))).toEqual({ kind: 'forged' });
  });
});
