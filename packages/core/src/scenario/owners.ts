// `owners:` — who owns each service and dependency of the chain, and the p99 they promise:
//   owners:
//     gateway: { owner: team-edge, sla: 50ms }
//     inventory: team-stock            (owner only)
//     inventory.db: { owner: dba-oncall, sla: 20ms }
// Keys are the chain map's names (services by name, a service's own dependency as
// `service.dependency`); they are only known once traffic flowed, so unknown ones are not an
// error here: the chain map flags the hops that have no owner.

import { isScalar } from 'yaml';
import type { Owner } from '../plan.js';
import { duration, entries, fields, isEmpty, put, str, type Ctx, type Val } from './reader.js';

const HOP_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/;
const CAMPAIGN = /^[A-Za-z0-9._-]{1,64}$/;

export function readOwners(ctx: Ctx, v: Val): Record<string, Owner> {
  const out: Record<string, Owner> = {};
  for (const e of entries(ctx, v) ?? []) {
    if (!HOP_NAME.test(e.key)) {
      ctx.p.add('BAD_VALUE', `owners: \`${e.key}\` is not a chain-map name: a service (\`inventory\`) or a service's dependency (\`inventory.db\`)`, e.keyAt);
      continue;
    }
    if (isScalar(e.value.node) && typeof e.value.node.value === 'string') {
      const owner = str(ctx, e.value, { nonEmpty: true });
      if (owner !== undefined) put(out, e.key, { owner });
      continue;
    }
    const f = fields(ctx, e.value, { keys: ['owner', 'sla'], required: ['owner'], example: 'e.g. `{ owner: team-stock, sla: 50ms }`' });
    if (!f) continue;
    const ov = f.get('owner');
    const owner = ov && !isEmpty(ov) ? str(ctx, ov, { nonEmpty: true }) : undefined;
    const sv = f.get('sla');
    const slaMs = sv && !isEmpty(sv) ? duration(ctx, sv) : undefined;
    if (owner === undefined || (sv && !isEmpty(sv) && slaMs === undefined)) continue;
    put(out, e.key, slaMs !== undefined ? { owner, slaMs } : { owner });
  }
  return out;
}

/** `campaign: double11-2026`: the series of rounds this drill belongs to. */
export function readCampaign(ctx: Ctx, v: Val): string | undefined {
  return str(ctx, v, { pattern: CAMPAIGN, patternHelp: 'must be a word such as `double11-2026` (letters, digits, `.`, `_`, `-`)' });
}
