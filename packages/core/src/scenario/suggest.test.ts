import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggest } from './suggest.js';

describe('suggest', () => {
  it('measures edits, transpositions included', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('stages', 'stgaes')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Rate', 'rate')).toBe(0);
  });
  it('suggests the closest plausible key', () => {
    const keys = ['targets', 'load', 'requests', 'journeys', 'capacity'];
    expect(suggest('targts', keys)).toBe('targets');
    expect(suggest('jouneys', keys)).toBe('journeys');
    expect(suggest('lod', keys)).toBe('load');
    expect(suggest('zzzzzz', keys)).toBeUndefined();
    expect(didYouMean('requets', keys)).toBe(' (did you mean `requests`?)');
    expect(didYouMean('xyz', keys)).toBe('');
  });
});
