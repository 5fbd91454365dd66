// What an agent accepts: a claim signed with its token when it holds one, for a run it has not
// seen (the key exchange answered when it holds none); then an assignment sealed with the token
// or the exchanged key, readable, with the run's key, and with shares that keep the agent within
// the plan. Every refusal says what to change, in the words the agent logs and replies.

import type { Msg } from '@nats-io/transport-node';
import { MAX_RATE, type AgentAssignPayload, type ClaimMessage, type RefusedMessage, type SealedBox } from '@peakdrill/core';
import { checkClaim } from './auth.js';
import { newKeyExchange } from './exchange.js';
import { open } from './seal.js';

type Refusal = { ok: false; code: RefusedMessage['code']; reason: string };

export function readClaim(
  msg: ClaimMessage,
  m: Msg,
  o: { token: string | undefined; agent: string; seen: readonly string[] },
): { ok: true; exchangeKey?: string; exchangeSecret?: string } | Refusal {
  if (o.token !== undefined) {
    const why = checkClaim(o.token, m.subject, m.data, m.headers);
    if (why !== null) return { ok: false, code: 'TOKEN_MISMATCH', reason: `agent ${o.agent} takes claims only from a controller holding its PEAKDRILL_AGENT_TOKEN, and this claim (from ${msg.controller}) ${why.replace(/^it /, '')}` };
  }
  if (o.seen.includes(msg.runId)) return { ok: false, code: 'BAD_MESSAGE', reason: `agent ${o.agent} was claimed for run ${msg.runId} before: a replayed claim` };
  if (typeof msg.exchangeKey !== 'string' || o.token !== undefined) return { ok: true };
  try {
    const exchange = newKeyExchange();
    return { ok: true, exchangeSecret: exchange.agree(msg.exchangeKey), exchangeKey: exchange.publicKey };
  } catch (err) {
    return { ok: false, code: 'BAD_MESSAGE', reason: `the claim's exchange key cannot be used: ${(err as Error).message}` };
  }
}

/** The plaintext of a sealed box given as JSON, or null (not JSON, other key, altered). */
function openJson(key: string, runId: string, text: string): string | null {
  try {
    return open(key, runId, JSON.parse(text) as SealedBox);
  } catch {
    return null;
  }
}

export type ReadAssignment = { ok: true; payload: AgentAssignPayload } | Refusal;

/** `exchanged`: sealed with `exchangeSecret`, the key agreed in the claim (no token on either side). */
export function readAssignment(
  text: string,
  o: { sealed: boolean; exchanged: boolean; exchangeSecret: string | undefined; token: string | undefined; runId: string; agent: string },
): ReadAssignment {
  let json = text;
  if (o.exchangeSecret !== undefined && !o.exchanged && !o.sealed) {
    // the claim agreed a key: an assignment in clear is not from the controller that claimed us
    return { ok: false, code: 'BAD_MESSAGE', reason: `agent ${o.agent} agreed a key with its controller in the claim, and this assignment is not sealed with it: refused (not from the controller that claimed it?)` };
  }
  if (o.exchanged && !o.sealed && o.token === undefined) {
    const plain = o.exchangeSecret === undefined ? null : openJson(o.exchangeSecret, o.runId, text);
    if (plain === null) return { ok: false, code: 'BAD_MESSAGE', reason: `agent ${o.agent} cannot open the assignment with the key agreed in its claim (another controller's, or altered on the way)` };
    json = plain;
  } else if (o.sealed || o.token !== undefined) {
    if (!o.sealed) return { ok: false, code: 'TOKEN_MISMATCH', reason: `agent ${o.agent} holds a token and takes sealed assignments only: set PEAKDRILL_AGENT_TOKEN on the controller to the agents' token` };
    if (o.token === undefined) return { ok: false, code: 'TOKEN_MISMATCH', reason: `the controller seals its assignments with a token: start agent ${o.agent} with PEAKDRILL_AGENT_TOKEN set to the same token` };
    const plain = openJson(o.token, o.runId, text);
    if (plain === null) return { ok: false, code: 'TOKEN_MISMATCH', reason: `agent ${o.agent} cannot open the assignment: the controller's PEAKDRILL_AGENT_TOKEN differs from this agent's` };
    json = plain;
  }
  try {
    const payload = JSON.parse(json) as AgentAssignPayload;
    if (!Array.isArray(payload.assignments) || payload.assignments.length === 0) throw new Error('no assignments');
    if (typeof payload.runKey !== 'string' || Buffer.from(payload.runKey, 'base64').length !== 32) throw new Error("no run key to authenticate the run's messages with");
    if (!Number.isSafeInteger(payload.controlSeq) || payload.controlSeq < 0) throw new Error('no control sequence number');
    const bad = shareProblem(payload.assignments.map((a) => a.share));
    if (bad) throw new Error(bad);
    return { ok: true, payload };
  } catch (err) {
    return { ok: false, code: 'BAD_MESSAGE', reason: `the assignment cannot be read: ${(err as Error).message}` };
  }
}

/**
 * Why these shares (one per generator of this agent) are out of bounds, or null: each in (0, 1],
 * and together at most the whole drill, so no message can make an agent carry more than the plan.
 */
export function shareProblem(shares: number[]): string | null {
  for (const x of shares) {
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || x > 1) return `a generator's share must be in (0, 1], got ${String(x)}`;
  }
  const sum = shares.reduce((a, b) => a + b, 0);
  if (sum > 1 + 1e-9) return `this agent's ${shares.length} generators would carry ${(sum * 100).toFixed(1)}% of the drill (more than all of it)`;
  return null;
}


/** The most stages a live change may carry (each change adds at most three). */
const MAX_CONTROL_STAGES = 10_000;

/**
 * Why a live `stages` change is out of bounds, or null: each level in [0, MAX_RATE], each
 * duration finite and non-negative, and the drill's planned end unmoved (a change never
 * lengthens a drill).
 */
export function stagesProblem(stages: unknown, plannedTotalMs: number): string | null {
  if (!Array.isArray(stages) || stages.length === 0 || stages.length > MAX_CONTROL_STAGES) return `stages must be a list of 1 to ${MAX_CONTROL_STAGES} stages`;
  let total = 0;
  for (const s of stages as Array<Record<string, unknown> | null>) {
    const d = s?.durationMs;
    const t = s?.target;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) return `a stage's durationMs must be a finite number ≥ 0, got ${String(d)}`;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > MAX_RATE) return `a stage's target must be in [0, ${MAX_RATE}], got ${String(t)}`;
    total += d;
  }
  if (Math.abs(total - plannedTotalMs) > 1) return `the stages last ${total} ms, the drill ${plannedTotalMs} ms (a change never moves the drill's end)`;
  return null;
}
