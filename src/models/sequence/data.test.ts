import { describe, expect, it } from 'vitest';
import { Rng } from '../../common';
import { sequenceConfigHash } from './config';
import { buildWindows, sampleWindows, type UserSequences } from './data';
import { dataSizedSequenceConfig } from './sizing';

const seqs: UserSequences = { ptr: Int32Array.from([0, 23, 25, 26, 126]), items: Int32Array.from({ length: 126 }, (_, i) => i) };

/** transitions covered by the windows, per source position */
function coverage(ws: { start: number; end: number }[]): Int32Array {
  const c = new Int32Array(126);
  for (const w of ws) for (let t = w.start; t < w.end; t++) c[t]! += 1;
  return c;
}

describe('training windows', () => {
  it('without crops or decay is buildWindows', () => {
    expect(sampleWindows(seqs, 10, 0, false, 1, new Rng(1))).toEqual(buildWindows(seqs, 10, 0));
  });

  it('random crops: the newest window always, every transition at least once, never past a user', () => {
    const rng = new Rng(3);
    const starts = new Set<number>();
    for (let e = 0; e < 20; e++) {
      const ws = sampleWindows(seqs, 10, 0, true, 1, rng);
      // every transition t -> t+1 of every user (t in [ptr[u], ptr[u+1]-1)) is covered
      const c = coverage(ws);
      for (let u = 0; u < 4; u++) for (let t = seqs.ptr[u]!; t < seqs.ptr[u + 1]! - 1; t++) expect(c[t]).toBeGreaterThanOrEqual(1);
      for (const w of ws) {
        expect(w.end - w.start).toBeLessThanOrEqual(10);
        expect(w.end).toBeGreaterThan(w.start);
        const u = [0, 1, 2, 3].find((k) => w.start >= seqs.ptr[k]! && w.start < seqs.ptr[k + 1]!)!;
        expect(w.end).toBeLessThan(seqs.ptr[u + 1]!);
      }
      expect(ws).toContainEqual({ start: 115, end: 125 }); // user 3's newest window
      expect(ws).toContainEqual({ start: 12, end: 22 });
      ws.forEach((w) => starts.add(w.start));
    }
    expect(starts.size).toBeGreaterThan(10); // the crops move
  });

  it('recency decay keeps older windows less often', () => {
    const rng = new Rng(5);
    const c = new Float64Array(126);
    for (let e = 0; e < 200; e++) coverage(sampleWindows(seqs, 10, 0, false, 0.5, rng)).forEach((v, i) => (c[i] = c[i]! + v));
    expect(c[120]).toBe(200); // newest window of user 3: always
    expect(c[110]! / 200).toBeCloseTo(0.5, 0);
    expect(c[30]!).toBeLessThan(c[110]!);
  });
});

describe('data-sized sequence config', () => {
  it('trains every window, with a budget that grows with the data, and leaves the app preset hash alone', () => {
    const small = dataSizedSequenceConfig('sasrec', { users: 943, items: 1682, events: 100_000 });
    const large = dataSizedSequenceConfig('sasrec', { users: 610, items: 9700, events: 100_000 * 10 });
    expect(small.maxWindowsPerUser).toBe(0);
    expect(large.maxSeconds!).toBeGreaterThan(small.maxSeconds!);
    expect(small.dropout).toBeLessThan(dataSizedSequenceConfig('sasrec', { users: 610, items: 9700, events: 100_000 }).dropout!);
    // SASRec's own batch and rate; GRU4Rec keeps the app preset's
    expect([small.batchSize, small.lr]).toEqual([64, 3e-3]);
    const gru = dataSizedSequenceConfig('gru4rec', { users: 943, items: 1682, events: 100_000 });
    expect(gru.batchSize).toBeUndefined();
    expect(gru.lr).toBeUndefined();
    // fields added later are left out of the hash at their defaults (hashes of shipped models)
    expect(sequenceConfigHash('sasrec', {})).toBe('sasrec-edbf46d33fda2918');
    expect(sequenceConfigHash('gru4rec', { dim: 32 })).toBe('gru4rec-60fc5ee982471d22');
    expect(sequenceConfigHash('sasrec', { windowShift: true })).not.toBe('sasrec-edbf46d33fda2918');
  });
});
