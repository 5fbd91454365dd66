import { describe, expect, it } from 'vitest';
import { open, seal } from './seal.js';
import { fromParts, MAX_PARTS, PART_CHARS, PartCollector, toParts } from './chunks.js';

describe('sealing assignments with the shared token', () => {
  it('opens with the same token and run, and with nothing else', () => {
    const box = seal('tok', 'run-1', '{"shadowSecret":"s3cret"}');
    expect(box.data).not.toContain('s3cret');
    expect(open('tok', 'run-1', box)).toBe('{"shadowSecret":"s3cret"}');
    expect(open('other', 'run-1', box)).toBeNull();
    expect(open('tok', 'run-2', box)).toBeNull();
    const tampered = { ...box, data: Buffer.from('x' + Buffer.from(box.data, 'base64').toString('latin1'), 'latin1').toString('base64') };
    expect(open('tok', 'run-1', tampered)).toBeNull();
  });
});

describe('large assignments in parts', () => {
  it('splits and joins any text, multi-byte included, and refuses parts out of order', () => {
    const text = 'id,name\n' + Array.from({ length: 5000 }, (_, i) => `${i},"名前 ${i}"`).join('\n');
    const parts = toParts(text, 1000);
    expect(parts.length).toBeGreaterThan(10);
    expect(fromParts(parts)).toBe(text);
    const c = new PartCollector();
    let out: string | null = null;
    parts.forEach((p, i) => (out = c.add(i, parts.length, p)));
    expect(out).toBe(text);
    expect(() => new PartCollector().add(1, 3, 'x')).toThrow(/out of order/);
  });

  it('bounds what a peer can make an agent hold: the number of parts and the size of each', () => {
    expect(() => new PartCollector().add(0, MAX_PARTS + 1, 'x')).toThrow(/over the limit of 384/);
    expect(() => new PartCollector().add(0, 2, 'x'.repeat(PART_CHARS + 1))).toThrow(/over 524288 characters/);
    expect(new PartCollector().add(0, 1, 'eA==')).toBe('x');
  });
});
