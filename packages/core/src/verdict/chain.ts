// The chain map: from the Server-Timing hops each link recorded, the graph of services and
// stores the drill touched, each with its p99, the error share of the links through it, its
// owner and SLA from the scenario's `owners:`, and flags: no owner, over its SLA, or seen only
// under load (the intern's admin tool that a quiet day never calls).
//
// Hop names nest with dots (`order.inventory.db`: the order service called inventory, which
// spent that long in its store). A segment that has hops below it, or is the first of a name,
// is a service; a leaf below a service (`db`, `processor`) is that service's own dependency and
// is named with its parent (`inventory.db`). `total` entries are a service's own time, not a
// hop. The entry node is the target the link's requests went to.
//
// "Only under load": present in some second of the drill but in none of the link's quiet
// seconds (answers at most half the link's busiest second), when it had at least
// QUIET_SECONDS_MIN of them; without a ramp nothing can be said and nothing is flagged.

import type { Owner, Plan } from '../plan.js';
import type { Summary, TimeseriesLine } from '../runfiles/summary.js';

const QUIET_SECONDS_MIN = 2;

export interface ChainNode {
  id: string;
  kind: 'entry' | 'service' | 'dependency';
  /** Worst p99 (ms) over the links that touched it; 0 for the entry. */
  p99: number;
  /** Errors over answers of the links whose requests passed through it. */
  errorShare: number;
  /** Answers that carried this hop. */
  count: number;
  links: string[];
  owner?: string;
  slaMs?: number;
  flags: ('no-owner' | 'only-under-load' | 'over-sla')[];
}

export interface ChainEdge {
  from: string;
  to: string;
  p99: number;
  count: number;
}

export interface ChainMap {
  nodes: ChainNode[];
  edges: ChainEdge[];
}

/** `order.inventory.db` → the path of node ids `[order, inventory, inventory.db]`, given which segments are services. */
function pathOf(hop: string, services: ReadonlySet<string>): string[] {
  const parts = hop.split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === 0 || services.has(p) || i < parts.length - 1) out.push(p);
    else out.push(`${parts[i - 1]}.${p}`);
  }
  return out;
}

export function chainMap(summary: Pick<Summary, 'links'> & { plan: Pick<Plan, 'journeys' | 'owners'> }, lines: readonly TimeseriesLine[] = []): ChainMap {
  const owners: Record<string, Owner> = summary.plan?.owners ?? {};
  const targetOf = new Map<string, string>();
  for (const j of summary.plan?.journeys ?? []) for (const s of j.steps) targetOf.set(s.name, s.target);
  const hopsOf = (l: Summary['links'][number]): Summary['links'][number]['hops'] => l.hops.filter((h) => h.name !== 'total' && !h.name.endsWith('.total'));

  // services: first segments, and any segment with something below it
  const services = new Set<string>();
  for (const l of summary.links) {
    for (const h of l.hops) {
      const parts = h.name.split('.');
      if (parts[0] !== 'total') services.add(parts[0]!);
      for (let i = 0; i < parts.length - 1; i++) services.add(parts[i]!);
    }
  }

  const underLoad = onlyUnderLoad(lines);
  const nodes = new Map<string, ChainNode & { errors: number; answers: number }>();
  const node = (id: string, kind: ChainNode['kind']): ChainNode & { errors: number; answers: number } => {
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, kind, p99: 0, errorShare: 0, count: 0, links: [], flags: [], errors: 0, answers: 0 }));
    return n;
  };
  const edges = new Map<string, ChainEdge>();
  for (const l of summary.links) {
    const hops = hopsOf(l);
    if (hops.length === 0) continue;
    const entry = node(targetOf.get(l.name) ?? 'entry', 'entry');
    entry.count += l.count;
    entry.errors += l.errors;
    entry.answers += l.count;
    if (!entry.links.includes(l.name)) entry.links.push(l.name);
    const touched = new Set<string>();
    for (const h of hops) {
      const path = pathOf(h.name, services);
      const id = path[path.length - 1]!;
      const n = node(id, services.has(id) ? 'service' : 'dependency');
      n.p99 = Math.max(n.p99, h.p99);
      n.count += h.count;
      if (!touched.has(id)) {
        touched.add(id);
        n.errors += l.errors;
        n.answers += l.count;
        if (!n.links.includes(l.name)) n.links.push(l.name);
      }
      if (underLoad.get(l.name)?.has(h.name) && !n.flags.includes('only-under-load')) n.flags.push('only-under-load');
      const from = path.length > 1 ? path[path.length - 2]! : entry.id;
      const key = `${from}\u0000${id}`;
      const e = edges.get(key) ?? { from, to: id, p99: 0, count: 0 };
      e.p99 = Math.max(e.p99, h.p99);
      e.count += h.count;
      edges.set(key, e);
    }
  }
  const out: ChainNode[] = [];
  for (const n of nodes.values()) {
    const { errors, answers, ...rest } = n;
    rest.errorShare = answers > 0 ? errors / answers : 0;
    const o = owners[n.id];
    if (o) {
      rest.owner = o.owner;
      if (o.slaMs !== undefined) {
        rest.slaMs = o.slaMs;
        if (n.kind !== 'entry' && n.p99 > o.slaMs) rest.flags.push('over-sla');
      }
    } else rest.flags.unshift('no-owner');
    out.push(rest);
  }
  const rank = { entry: 0, service: 1, dependency: 2 } as const;
  out.sort((a, b) => rank[a.kind] - rank[b.kind] || a.id.localeCompare(b.id));
  return { nodes: out, edges: [...edges.values()] };
}

/** Per link, the hops present in some second but in none of its quiet seconds. */
function onlyUnderLoad(lines: readonly TimeseriesLine[]): Map<string, Set<string>> {
  const byLink = new Map<string, TimeseriesLine[]>();
  for (const l of lines) {
    if (l.count <= 0) continue;
    let a = byLink.get(l.link);
    if (!a) byLink.set(l.link, (a = []));
    a.push(l);
  }
  const out = new Map<string, Set<string>>();
  for (const [link, ls] of byLink) {
    const peak = Math.max(...ls.map((l) => l.count));
    const quiet = ls.filter((l) => l.count <= peak / 2);
    if (quiet.length < QUIET_SECONDS_MIN) continue;
    const seenQuiet = new Set(quiet.flatMap((l) => Object.keys(l.hops ?? {})));
    const loud = new Set(ls.flatMap((l) => Object.keys(l.hops ?? {})));
    const only = new Set([...loud].filter((h) => !seenQuiet.has(h)));
    if (only.size > 0) out.set(link, only);
  }
  return out;
}
