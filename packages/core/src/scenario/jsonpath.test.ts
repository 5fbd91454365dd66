import { describe, expect, it } from 'vitest';
import { parseJsonPath, walkJsonPath } from './jsonpath.js';

describe('parseJsonPath', () => {
  it.each([
    ['$', []],
    ['$.id', ['id']],
    ['$.a.b[0].c', ['a', 'b', 0, 'c']],
    ['$[2]', [2]],
    ['$["odd key"].x', ['odd key', 'x']],
    ["$['a.b']", ['a.b']],
    ['$.leaked.total', ['leaked', 'total']],
    ['$.with-dash', ['with-dash']],
  ])('%s', (s, segs) => expect(parseJsonPath(s)).toEqual(segs));

  it.each(['id', '$.', '$..a', '$.a[*]', '$.a[-1]', '$.a[x]', '$[?(@.a)]', '$ .a', '$.a[0'])('refuses %j with BAD_JSON_PATH', (s) => {
    expect(() => parseJsonPath(s)).toThrowError(expect.objectContaining({ code: 'BAD_JSON_PATH' }) as Error);
  });

  it('walks parsed JSON', () => {
    const doc = { a: { b: [{ c: 42 }] }, n: null };
    expect(walkJsonPath(doc, parseJsonPath('$.a.b[0].c'))).toBe(42);
    expect(walkJsonPath(doc, parseJsonPath('$.a.b[1].c'))).toBeUndefined();
    expect(walkJsonPath(doc, parseJsonPath('$.n.x'))).toBeUndefined();
    expect(walkJsonPath(doc, parseJsonPath('$.a[0]'))).toBeUndefined();
    expect(walkJsonPath(doc, parseJsonPath('$.toString'))).toBeUndefined();
    expect(walkJsonPath(doc, [])).toBe(doc);
  });
});
