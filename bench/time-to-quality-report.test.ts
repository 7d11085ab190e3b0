import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTimeToQualityRuns, timeToQualityMarkdown } from './time-to-quality-report';

const run = (over: Record<string, unknown> = {}) => ({
  model: 'sasrec',
  runtime: 'node',
  backend: 'wasm',
  dataset: 'd',
  target: 0.0869,
  secondsToTarget: 63.3,
  cpuSecondsToTarget: 65.4,
  loadAverage: { start: [1.05, 1, 1], end: [1, 1, 1] },
  bestTestNdcg10: 0.0892,
  curve: [{ epoch: 0, seconds: 13.2 }, { epoch: 1, seconds: 25.4 }],
  ...over,
});

describe('the time-to-quality part of the bench report', () => {
  it('renders every committed run, and says when the target was not reached', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttq-'));
    writeFileSync(join(dir, 'time-to-quality-node-wasm.json'), JSON.stringify(run()));
    writeFileSync(join(dir, 'time-to-quality-browser-wasm.json'), JSON.stringify(run({ runtime: 'browser', secondsToTarget: null })));
    writeFileSync(join(dir, 'report.json'), '{}');
    const runs = readTimeToQualityRuns(dir);
    expect(runs.map((r) => r.file)).toEqual(['time-to-quality-browser-wasm.json', 'time-to-quality-node-wasm.json']);
    const md = timeToQualityMarkdown(runs).join('\n');
    expect(md).toContain('| time-to-quality-node-wasm.json | sasrec | node | wasm | 0.0869 | 63.3 | 65.4 | 2 | 0.0892 | 1.05 |');
    expect(md).toContain('| browser | wasm | 0.0869 | not reached |');
  });

  it('refuses a file that is not a run instead of leaving a silent gap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ttq-'));
    writeFileSync(join(dir, 'time-to-quality-node-wasm.json'), JSON.stringify({ model: 'sasrec' }));
    expect(() => readTimeToQualityRuns(dir)).toThrow(/time-to-quality-node-wasm.json is not a time-to-quality run/);
  });

  it('says so when no run is committed', () => {
    expect(timeToQualityMarkdown([]).join('\n')).toContain('No `bench/time-to-quality-*.json` run committed');
  });
});
