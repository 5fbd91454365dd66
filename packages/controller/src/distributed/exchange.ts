// A key agreed in the claim, for drills without a shared token: the controller's claim carries
// an ephemeral X25519 public key, the agent's answer its own, and both derive the same secret,
// with which the controller seals the assignment (seal.ts) — so the plan, the shadow secret and
// the run key never cross NATS in clear, even without PEAKDRILL_AGENT_TOKEN. This defeats a
// listener; it cannot tell a genuine controller from an impostor (only a token can): see
// docs/distributed.md, "Trust model".

import { createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface KeyExchange {
  /** Our public key, SPKI DER in base64, for the message. */
  publicKey: string;
  /** The shared secret (base64) from the peer's public key; throws on a key that is not X25519. */
  agree(peerPublicKey: string): string;
}

export function newKeyExchange(): KeyExchange {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    agree: (peer) => diffieHellman({ privateKey, publicKey: peerKey(peer) }).toString('base64'),
  };
}

function peerKey(b64: string): KeyObject {
  const key = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'x25519') throw new Error(`the peer's exchange key is ${key.asymmetricKeyType ?? 'unknown'}, not x25519`);
  return key;
}
