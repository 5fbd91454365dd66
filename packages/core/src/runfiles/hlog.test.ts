import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newHistogram, recordMicros } from '../histogram.js';
import { HlogDamaged, HlogFile, readHlog } from './hlog.js';
import { mergeHlogByTag } from './read.js';

const START = 1_763_893_800_000;

/** A log of `seconds` intervals of tag `a`, 10 values each. */
function writeLog(seconds: number): string {
  const p = join(mkdtempSync(join(tmpdir(), 'peakdrill-hlog-')), 'histograms.hlog');
  const log = new HlogFile(p, START);
  for (let s = 0; s < seconds; s++) {
    const h = newHistogram();
    for (let i = 0; i < 10; i++) recordMicros(h, 1000 + i);
    log.append([{ tag: 'a', fromMs: START + s * 1000, toMs: START + (s + 1) * 1000, histogram: h }]);
  }
  return p;
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('reading histograms.hlog', () => {
  it('tolerates a torn final line: every interval before it is read', () => {
    const p = writeLog(3);
    appendFileSync(p, 'Tag=a,3.000,1.000,0.001,HISTFAAAAC'); // a killed run stopped mid-write
    expect(readHlog(p).map((i) => i.histogram.totalCount)).toEqual([10, 10, 10]);
    expect(mergeHlogByTag(p).get('a')!.histogram.totalCount).toBe(30);
  });

  it('refuses an undecodable line before the last, naming the file and line', () => {
    const p = writeLog(3);
    const lines = readFileSync(p, 'utf8').split('\n');
    const first = lines.findIndex((l) => l.startsWith('Tag=a,'));
    for (const damage of [(l: string) => l.slice(0, l.length - 8) + 'AAAAAAAA', () => 'garbage in the middle', (l: string) => l.replace(/,[0-9.]+,/, ',,')]) {
      const damaged = [...lines];
      damaged[first + 1] = damage(damaged[first + 1]!);
      writeFileSync(p, damaged.join('\n'));
      const err = thrown(() => readHlog(p));
      expect(err).toBeInstanceOf(HlogDamaged);
      expect((err as HlogDamaged).line).toBe(first + 2);
      expect(thrown(() => mergeHlogByTag(p))).toMatchObject({ code: 'RUN_FILE_INVALID', exitCode: 2, message: expect.stringContaining(`${p}:${first + 2}: `) as unknown });
    }
  });
});
