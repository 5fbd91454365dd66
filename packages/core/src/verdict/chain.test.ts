import { describe, expect, it } from 'vitest';
import type { LinkSummary, TimeseriesLine } from '../runfiles/summary.js';
import { chainMap } from './chain.js';
import { makeLink } from './verdict.fixture.js';

// Hop names as the reference stack's Server-Timing gives them in a double11 drill
const hops = (list: [string, number, number][]): LinkSummary['hops'] => list.map(([name, p99, count]) => ({ name, p50: p99 / 2, p99, count }));
const links: LinkSummary[] = [
  makeLink('item.detail', { count: 100, errors: 0, hops: hops([['catalog', 9, 100], ['total', 9, 100], ['catalog.db', 4, 7], ['catalog.total', 5, 100]]) }),
  makeLink('order.create', { count: 40, errors: 2, hops: hops([['order', 50, 40], ['total', 50, 40], ['order.total', 48, 40], ['order.inventory', 30, 40], ['order.cart', 12, 80], ['order.db', 9, 40], ['order.inventory.total', 25, 40], ['order.inventory.db', 20, 40], ['order.cart.db', 6, 80]]) }),
  makeLink('order.pay', { count: 20, errors: 0, hops: hops([['payment', 40, 20], ['payment.order', 11, 40], ['payment.order.db', 6, 40], ['payment.db', 8, 20], ['payment.processor', 0.001, 20]]) }),
  makeLink('cart.add', { count: 50, errors: 0, hops: hops([['cart', 10, 50], ['cart.db', 8, 50]]) }),
];
const step = (name: string) => ({ name, target: 'gateway' }) as never;
const plan = {
  journeys: [{ name: 'j', weight: 1, steps: links.map((l) => step(l.name)) }],
  owners: { gateway: { owner: 'team-edge' }, catalog: { owner: 'team-item' }, order: { owner: 'team-trade', slaMs: 40 }, payment: { owner: 'team-pay' }, cart: { owner: 'team-cart' } },
};

describe('the chain map', () => {
  it('draws the services and their dependencies from the hops, with p99, error share and owners', () => {
    const m = chainMap({ links, plan });
    expect(m.nodes.map((n) => `${n.kind}:${n.id}`)).toEqual([
      'entry:gateway',
      'service:cart', 'service:catalog', 'service:inventory', 'service:order', 'service:payment',
      'dependency:cart.db', 'dependency:catalog.db', 'dependency:inventory.db', 'dependency:order.db', 'dependency:payment.db', 'dependency:payment.processor',
    ]);
    const order = m.nodes.find((n) => n.id === 'order')!;
    expect(order).toMatchObject({ p99: 50, owner: 'team-trade', slaMs: 40, flags: ['over-sla'], links: ['order.create', 'order.pay'] });
    expect(order.errorShare).toBeCloseTo(2 / 60, 5);
    expect(m.nodes.find((n) => n.id === 'inventory')!.flags).toEqual(['no-owner']);
    expect(m.edges).toContainEqual({ from: 'gateway', to: 'order', p99: 50, count: 40 });
    expect(m.edges).toContainEqual({ from: 'order', to: 'inventory', p99: 30, count: 40 });
    expect(m.edges).toContainEqual({ from: 'inventory', to: 'inventory.db', p99: 20, count: 40 });
    expect(m.edges).toContainEqual({ from: 'payment', to: 'order', p99: 11, count: 40 });
    expect(m.edges.some((e) => e.to === 'total' || e.to.endsWith('.total'))).toBe(false);
  });

  it('flags a hop that shows only under load', () => {
    const lines: TimeseriesLine[] = [];
    for (let t = 0; t < 10; t++) {
      const count = (t + 1) * 10; // a ramp: seconds 0–4 are quiet (at most half the busiest)
      const hopsNow: Record<string, { p50: number; p99: number }> = { cart: { p50: 1, p99: 2 }, 'cart.db': { p50: 1, p99: 2 } };
      if (t >= 8) hopsNow['cart.admin-tool'] = { p50: 100, p99: 300 };
      lines.push({ t, ts: 0, link: 'cart.add', planned: count, count, errors: 0, shed: 0, outcomes: {}, rps: count, latencyMs: { p50: 1, p90: 1, p99: 1, max: 1, mean: 1 }, inFlight: 0, hops: hopsNow });
    }
    const withTool = links.map((l) => (l.name === 'cart.add' ? { ...l, hops: [...l.hops, ...hops([['cart.admin-tool', 300, 5]])] } : l));
    const m = chainMap({ links: withTool, plan }, lines);
    expect(m.nodes.find((n) => n.id === 'cart.admin-tool')!.flags).toEqual(['no-owner', 'only-under-load']);
    expect(m.nodes.find((n) => n.id === 'cart.db')!.flags).toEqual(['no-owner']);
  });
});
