import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { parseScenario } from './load.js';

const HEAD = 'name: o\ntargets: { gateway: "http://127.0.0.1:8080" }\nload: { rate: 1, duration: 1s }\nrequests: [{ url: / }]\n';

describe('owners: and campaign:', () => {
  it('reads owners (short and long form) and the campaign', () => {
    const p = parseScenario(`${HEAD}campaign: double11-2026\nowners:\n  gateway: { owner: team-edge, sla: 50ms }\n  inventory: team-stock\n  inventory.db: { owner: dba }\n`, 's.yaml');
    expect(p.owners).toEqual({ gateway: { owner: 'team-edge', slaMs: 50 }, inventory: { owner: 'team-stock' }, 'inventory.db': { owner: 'dba' } });
    expect(p.campaign).toBe('double11-2026');
  });
  it('refuses bad names, a missing owner, a bad SLA and a bad campaign, with positions', () => {
    let problems: string[] = [];
    try {
      parseScenario(`${HEAD}campaign: "double 11"\nowners:\n  a.b.c: x\n  cart: { sla: 5ms }\n  order: { owner: o, sla: fast }\n`, 's.yaml');
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      problems = err.problems.map((p) => `${p.code}@${p.pos?.line}:${p.pos?.col}`);
    }
    expect(problems).toEqual(['BAD_VALUE@5:11', 'BAD_VALUE@7:3', 'MISSING_KEY@8:9', 'BAD_DURATION@9:27']);
  });
});
