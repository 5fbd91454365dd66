import { describe, expect, it } from 'vitest';
import { agentOptions } from './agent.js';

describe('peakdrill agent flags', () => {
  it('passes a NATS URL, a name, workers, a prefix and --once through', () => {
    expect(agentOptions({ nats: 'nats://127.0.0.1:4222', name: 'rack1-a', workers: '8', prefix: 'peakdrill.staging', once: true })).toEqual({
      natsUrl: 'nats://127.0.0.1:4222',
      name: 'rack1-a',
      workers: 8,
      prefix: 'peakdrill.staging',
      once: true,
    });
    expect(agentOptions({ nats: 'tls://user:pw@nats.internal:4222' })).toEqual({ natsUrl: 'tls://user:pw@nats.internal:4222' });
  });

  it('refuses what cannot work, with a message that says what to change', () => {
    expect(() => agentOptions({ nats: 'localhost:4222' })).toThrow(/--nats must be a nats:\/\/ or tls:\/\/ URL/);
    expect(() => agentOptions({ nats: 'nope' })).toThrow(/--nats must be a NATS URL/);
    expect(() => agentOptions({ nats: 'nats://h:4222', workers: '0' })).toThrow(/--workers must be a whole number from 1 to 1024/);
    expect(() => agentOptions({ nats: 'nats://h:4222', workers: '2.5' })).toThrow(/--workers/);
    expect(() => agentOptions({ nats: 'nats://h:4222', prefix: 'a..b' })).toThrow(/--prefix/);
  });
});
