import { describe, expect, it } from 'vitest';
import { observedSources, type ObserveLine } from './observe.js';

describe('observed sources for charts', () => {
  it('counters become per-second increases (a reset is a gap), gauges stay as read, missing values stay null', () => {
    const line = (t: number, values: Record<string, number | null>): ObserveLine => ({ t, ts: t * 1000, source: 'gw', ok: true, values });
    const [gw] = observedSources([line(0, { shed_total: 10, pool: 3 }), line(1, { shed_total: 25, pool: null }), line(2, { shed_total: 5, pool: 4 }), line(4, { shed_total: 25, pool: 1 })]);
    expect(gw!.name).toBe('gw');
    expect(gw!.series).toEqual([
      { name: 'shed_total', perSecond: true, points: [[1, 15], [2, null], [4, 10]] },
      { name: 'pool', perSecond: false, points: [[0, 3], [1, null], [2, 4], [4, 1]] },
    ]);
  });
});
