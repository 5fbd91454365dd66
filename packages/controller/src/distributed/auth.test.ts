import { describe, expect, it } from 'vitest';
import { AUTH_HEADER, controlKey, dataKey, newRunKey, Signer, Verifier } from './auth.js';

const body = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('authenticating a run\'s messages', () => {
  const runKey = newRunKey();
  const key = controlKey(runKey, 'run-1');

  it('takes a signed message once, and refuses replays, other subjects, other keys and altered bodies', () => {
    const signer = new Signer(key);
    const v = new Verifier(key);
    const data = body('{"type":"controller-heartbeat"}');
    const h1 = signer.headers('p.run.r.control', data);
    expect(v.check('p.run.r.control', data, h1)).toBeNull();
    expect(v.check('p.run.r.control', data, h1)).toMatch(/replay/);
    const h2 = signer.headers('p.run.r.control', data);
    expect(v.check('p.run.r.other', data, h2)).toMatch(/does not match/);
    expect(v.check('p.run.r.control', body('{"type":"control","control":{"type":"rescale","share":1}}'), h2)).toMatch(/does not match/);
    expect(new Verifier(controlKey(runKey, 'run-2')).check('p.run.r.control', data, h2)).toMatch(/does not match/);
    expect(new Verifier(dataKey(runKey, 'run-1', 'agent-a')).check('p.run.r.control', data, h2)).toMatch(/does not match/);
    expect(v.check('p.run.r.control', data, h2)).toBeNull();
    // an older genuine message replayed after a newer one
    const h3 = signer.headers('p.run.r.control', data);
    const h4 = signer.headers('p.run.r.control', data);
    expect(v.check('p.run.r.control', data, h4)).toBeNull();
    expect(v.check('p.run.r.control', data, h3)).toMatch(/replay/);
  });

  it('refuses a message without authentication or with a malformed one', () => {
    const v = new Verifier(key);
    expect(v.check('s', body('{}'), undefined)).toMatch(/no authentication/);
    const h = new Signer(key).headers('s', body('{}'));
    h.set(AUTH_HEADER, 'x.abc');
    expect(v.check('s', body('{}'), h)).toMatch(/malformed/);
  });

  it('a receiver that joins late starts above the numbers used before it', () => {
    const signer = new Signer(key);
    const data = body('{}');
    const early = signer.headers('c', data);
    const v = new Verifier(key, { c: signer.last('c') });
    expect(v.check('c', data, early)).toMatch(/replay/);
    expect(v.check('c', data, signer.headers('c', data))).toBeNull();
  });
});
