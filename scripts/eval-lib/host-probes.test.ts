import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childTreesCpuMs, parseProcStat, thisProcessProbes } from './host-probes';

describe('parseProcStat', () => {
  it('reads pid, ppid and the four CPU-time fields, whatever the command name holds', () => {
    const fields = (name: string) => `4242 (${name}) S 17 4242 4242 0 -1 4194560 9 0 0 0 120 30 5 1 20 0 12 0 100 0 0`;
    expect(parseProcStat(fields('chromium'))).toEqual({ pid: 4242, ppid: 17, ticks: 156 });
    expect(parseProcStat(fields('a) (b c'))).toEqual({ pid: 4242, ppid: 17, ticks: 156 });
    expect(parseProcStat('not a stat line')).toBeNull();
    expect(parseProcStat('12 (x) S 1 2')).toBeNull();
  });
});

describe('CPU clocks', () => {
  it("this process's: monotonic", async () => {
    const probes = thisProcessProbes();
    const a = await probes.cpuMs();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const b = await probes.cpuMs();
    expect(b).toBeGreaterThan(a!);
    expect(await probes.loadAverage()).toHaveLength(3);
  });

  it.runIf(existsSync('/proc/self/stat'))("a child process tree's, found by its command line", async () => {
    const marker = `burrow-probe-${process.pid}`;
    // a busy child that spawns a busy grandchild: both count
    const script = `const { spawn } = require('node:child_process');
      spawn(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 1500);'], { stdio: 'ignore' });
      const t = Date.now(); while (Date.now() - t < 1500);`;
    const child = spawn(process.execPath, ['-e', script, marker], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 1200));
      const ms = await childTreesCpuMs((cmdline) => cmdline.split('\0').includes(marker));
      // ~1 s each of two busy processes (less on a loaded machine, never none)
      expect(ms).toBeGreaterThan(200);
      expect(await childTreesCpuMs((cmdline) => cmdline.includes('--no-such-process'))).toBeNull();
    } finally {
      child.kill();
    }
  });
});
