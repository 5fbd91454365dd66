import { describe, expect, it } from 'vitest';
import { compile, match } from './router.js';

describe('router', () => {
  const h = () => ({ status: 200, body: null });
  const routes = compile([
    { method: 'GET', pattern: '/items/:sku', handler: h },
    { method: 'POST', pattern: '/items/:sku/stock', handler: h },
    { method: 'GET', pattern: '/items/hot', handler: h },
  ]);

  it('matches the first route of the path and method, decoding params', () => {
    const m = match(routes, 'GET', '/items/a%20b');
    expect(m !== null && m !== 'method' && [m.route.pattern, m.params]).toEqual(['/items/:sku', { sku: 'a b' }]);
    const s = match(routes, 'POST', '/items/x/stock');
    expect(s !== null && s !== 'method' && s.params).toEqual({ sku: 'x' });
  });

  it('tells a wrong method from an unknown path; an empty or badly encoded segment matches nothing', () => {
    expect(match(routes, 'DELETE', '/items/x')).toBe('method');
    expect(match(routes, 'GET', '/carts/x')).toBeNull();
    expect(match(routes, 'GET', '/items/')).toBeNull();
    expect(match(routes, 'GET', '/items/%E0%A4%A')).toBeNull();
  });
});
