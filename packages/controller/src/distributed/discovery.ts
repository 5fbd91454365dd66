// Finding and claiming agents for one run: ask (`discover`), listen to announcements and
// heartbeats, claim idle agents of this protocol version one request each (a claim is atomic on
// the agent: two controllers never share one), and measure each agent's clock on the way (the
// claim's reply carries the agent's Date.now(); offset = that − the request's midpoint, good to
// half a round trip), so that every agent starts at the same instant whatever its clock says.

import type { NatsConnection } from '@nats-io/transport-node';
import { EXIT, PROTOCOL_VERSION, redactUserinfo, UserError, type AgentCapacity, type AgentPresenceMessage, type AgentToController, type ClaimMessage, type DiscoverMessage, type RefusedMessage, type ReleaseMessage } from '@peakdrill/core';
import { decode, encode, refusalReason, versionMismatch } from './codec.js';
import { signClaim, type Signer } from './auth.js';
import { newKeyExchange } from './exchange.js';
import type { Subjects } from './subjects.js';

const CLAIM_TIMEOUT_MS = 2_000;
const REDISCOVER_MS = 2_000;
/** With `--agents all`: how long after the last new agent appeared before the roll is taken. */
const ALL_SETTLE_MS = 1_500;
const POLL_MS = 50;

export interface ClaimedAgent {
  id: string;
  name: string;
  capacity: AgentCapacity;
  /** Agent clock − controller clock, ms. */
  offsetMs: number;
  rttMs: number;
  /** The secret agreed with the agent in its claim (base64), when it answered the exchange. */
  exchangeSecret?: string;
}

export interface ClaimOptions {
  runId: string;
  controller: string;
  natsUrl: string;
  want: number | 'all';
  waitMs: number;
  sealed: boolean;
  /** The shared token, if any: claims are signed with it. */
  token?: string;
  controlSubject: string;
  dataSubject: string;
  onNote: (note: string) => void;
  /** Stops the wait (SIGINT): the agents claimed so far are released. */
  signal?: AbortSignal;
}

interface Seen {
  id: string;
  name: string;
  capacity: AgentCapacity;
  busy: string | null;
  sealed: boolean;
  firstSeen: number;
}

export async function claimAgents(nc: NatsConnection, s: Subjects, o: ClaimOptions): Promise<ClaimedAgent[]> {
  const seen = new Map<string, Seen>();
  const refusedVersion = new Map<string, string>();
  const unusable = new Map<string, string>();
  const claimed: ClaimedAgent[] = [];
  const tried = new Set<string>();
  let lastNew = Date.now();

  const sub = nc.subscribe(s.agents, {
    callback: (err, m) => {
      if (err) return;
      const d = decode<AgentPresenceMessage>(m.data);
      if (!d.ok) {
        const id = typeof d.raw?.id === 'string' ? d.raw.id : null;
        const name = typeof d.raw?.agent === 'string' ? d.raw.agent : (id ?? 'an agent');
        if (id === null || refusedVersion.has(id)) return;
        const why = versionMismatch(d.v, `agent ${name}`);
        refusedVersion.set(id, why);
        o.onNote(`refused ${why}`);
        const refusal: RefusedMessage = { v: PROTOCOL_VERSION, type: 'refused', code: 'VERSION_MISMATCH', reason: refusalReason(`controller ${o.controller}`, d.v), controller: o.controller };
        nc.publish(s.agent(id), encode(refusal));
        return;
      }
      const p = d.msg;
      if (p.type !== 'announce' && p.type !== 'heartbeat') return;
      const cur = seen.get(p.id);
      if (!cur) lastNew = Date.now();
      seen.set(p.id, { id: p.id, name: p.agent, capacity: p.capacity, busy: p.busy, sealed: p.sealed, firstSeen: cur?.firstSeen ?? Date.now() });
    },
  });

  const deadline = Date.now() + o.waitMs;
  const started = Date.now();
  let lastDiscover = 0;
  try {
    for (;;) {
      const now = Date.now();
      if (now - lastDiscover >= REDISCOVER_MS) {
        nc.publish(s.discover, encode({ v: PROTOCOL_VERSION, type: 'discover', controller: o.controller } satisfies DiscoverMessage));
        lastDiscover = now;
      }
      const candidates = [...seen.values()]
        .filter((a) => a.busy === null && !tried.has(a.id))
        .filter((a) => {
          if (a.sealed === o.sealed) return true;
          if (!unusable.has(a.id)) {
            const why = a.sealed
              ? `agent ${a.name} takes sealed assignments only: set PEAKDRILL_AGENT_TOKEN on the controller to the agents' token`
              : `agent ${a.name} has no token but this controller seals its assignments: start the agent with PEAKDRILL_AGENT_TOKEN`;
            unusable.set(a.id, why);
            o.onNote(why);
          }
          return false;
        })
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      const need = o.want === 'all' ? candidates.length : o.want - claimed.length;
      const rollCall = o.want !== 'all' || (candidates.length > 0 && now - lastNew >= ALL_SETTLE_MS && now - started >= ALL_SETTLE_MS);
      if (need > 0 && rollCall) {
        const batch = candidates.slice(0, need);
        for (const a of batch) tried.add(a.id);
        const got = await Promise.all(batch.map((a) => claimOne(nc, s, o, a, unusable)));
        for (const c of got) if (c) claimed.push(c);
      }
      if (o.want === 'all' ? claimed.length > 0 && rollCall : claimed.length >= o.want) break;
      if (o.signal?.aborted) {
        await releaseAll(nc, s, o.runId, claimed, 'the controller was stopped');
        throw new UserError('STOPPED_WAITING', `stopped while waiting for agents (${claimed.length} of ${o.want === 'all' ? 'all' : o.want} claimed)`, { exitCode: EXIT.aborted });
      }
      if (Date.now() >= deadline) {
        await releaseAll(nc, s, o.runId, claimed, 'not enough agents');
        throw missing(o, claimed, seen, refusedVersion, unusable);
      }
      await sleep(POLL_MS);
    }
  } finally {
    sub.unsubscribe();
  }
  // duplicate names would make the summary ambiguous: tell them apart by id
  const names = new Map<string, number>();
  for (const c of claimed) names.set(c.name, (names.get(c.name) ?? 0) + 1);
  for (const c of claimed) if ((names.get(c.name) ?? 0) > 1) c.name = `${c.name}#${c.id.slice(-6)}`;
  return claimed.sort((a, b) => a.name.localeCompare(b.name));
}

async function claimOne(nc: NatsConnection, s: Subjects, o: ClaimOptions, a: Seen, unusable: Map<string, string>): Promise<ClaimedAgent | null> {
  const exchange = newKeyExchange();
  const msg: ClaimMessage = { v: PROTOCOL_VERSION, type: 'claim', runId: o.runId, controller: o.controller, controlSubject: o.controlSubject, dataSubject: o.dataSubject, exchangeKey: exchange.publicKey };
  const t0 = Date.now();
  try {
    const subject = s.agent(a.id);
    const data = encode(msg);
    const r = await nc.request(subject, data, { timeout: CLAIM_TIMEOUT_MS, ...(o.token !== undefined ? { headers: signClaim(o.token, subject, data) } : {}) });
    const t2 = Date.now();
    const d = decode<AgentToController>(r.data);
    if (!d.ok) {
      unusable.set(a.id, versionMismatch(d.v, `agent ${a.name}`));
      return null;
    }
    if (d.msg.type === 'claimed') {
      const claimed: ClaimedAgent = { id: a.id, name: a.name, capacity: a.capacity, offsetMs: Math.round(d.msg.nowMs - (t0 + t2) / 2), rttMs: t2 - t0 };
      if (typeof d.msg.exchangeKey === 'string') claimed.exchangeSecret = exchange.agree(d.msg.exchangeKey);
      return claimed;
    }
    if (d.msg.type === 'refused') unusable.set(a.id, d.msg.reason);
    return null;
  } catch (err) {
    unusable.set(a.id, `agent ${a.name} did not answer its claim (${(err as Error).message})`);
    return null;
  }
}

/** `sign`: the run's signer once agents hold its key (a release before the assignment needs none). */
export async function releaseAll(nc: NatsConnection, s: Subjects, runId: string, agents: { id: string }[], reason: string, sign?: Signer): Promise<void> {
  if (nc.isClosed()) return;
  const data = encode({ v: PROTOCOL_VERSION, type: 'release', runId, reason } satisfies ReleaseMessage);
  for (const a of agents) {
    const subject = s.agent(a.id);
    nc.publish(subject, data, sign ? { headers: sign.headers(subject, data) } : undefined);
  }
  await nc.flush().catch(() => undefined);
}

function missing(o: ClaimOptions, claimed: ClaimedAgent[], seen: Map<string, Seen>, refusedVersion: Map<string, string>, unusable: Map<string, string>): UserError {
  const wanted = o.want === 'all' ? 'at least 1 agent' : `${o.want} agent${o.want === 1 ? '' : 's'}`;
  const busy = [...seen.values()].filter((a) => a.busy !== null).map((a) => `${a.name} (busy with ${a.busy})`);
  const lines = [
    `waited ${Math.round(o.waitMs / 1000)} s for ${wanted} on ${redactUserinfo(o.natsUrl)}, got ${claimed.length}${claimed.length > 0 ? ` (${claimed.map((c) => c.name).join(', ')})` : ''}`,
    ...busy.map((b) => `  ${b}`),
    ...[...refusedVersion.values()].map((r) => `  refused: ${r}`),
    ...[...unusable.values()].map((r) => `  not usable: ${r}`),
    `start agents with \`peakdrill agent --nats ${redactUserinfo(o.natsUrl)}\`${o.want === 'all' ? '' : ' or lower --agents'}`,
  ];
  return new UserError('AGENTS_MISSING', lines.join('\n'), { exitCode: EXIT.badInput });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
