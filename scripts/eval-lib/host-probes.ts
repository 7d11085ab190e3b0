/**
 * The host's CPU clock and load average for measurements that report CPU seconds next to wall
 * seconds (bench/time-to-quality.ts): of this Node process, or of the Chromium processes this
 * process launched (the browser runtime, where the page cannot read a CPU clock itself).
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import type { HostProbes } from '../../src/eval';

/** CPU time of this process (all its threads), user + system. */
export function thisProcessProbes(): HostProbes {
  return {
    cpuMs: async () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
    loadAverage: async () => os.loadavg(),
  };
}

export interface ProcStat {
  pid: number;
  ppid: number;
  /**
   * utime + stime + cutime + cstime in clock ticks: the process's own time (all threads) and that
   * of its children it has reaped, so a subtree's sum counts a helper that exited once
   */
  ticks: number;
}

/** Parses /proc/<pid>/stat (proc(5)); null when the text is not one. */
export function parseProcStat(text: string): ProcStat | null {
  // the command name (field 2) is in parentheses and may itself contain spaces or ')'
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // from field 3 (state) on; utime, stime, cutime, cstime are fields 14-17
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const ppid = Number(rest[1]);
  const times = rest.slice(11, 15).map(Number);
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(ppid) || times.length !== 4 || !times.every(Number.isFinite)) return null;
  return { pid, ppid, ticks: times.reduce((a, b) => a + b, 0) };
}

let ticksPerSecond: number | undefined;
/** sysconf(_SC_CLK_TCK): 100 on every common Linux, asked once */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isSafeInteger(n) && n > 0 ? n : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

async function readProc(pid: string): Promise<{ stat: ProcStat; cmdline: string } | null> {
  try {
    const [stat, cmdline] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')]);
    const parsed = parseProcStat(stat);
    return parsed === null ? null : { stat: parsed, cmdline };
  } catch {
    return null; // exited while we looked
  }
}

/**
 * CPU ms of the process subtrees rooted at this process's children whose command line
 * `isRoot` accepts (their descendants included); null without /proc (not Linux).
 */
export async function childTreesCpuMs(isRoot: (cmdline: string) => boolean): Promise<number | null> {
  let entries: string[];
  try {
    entries = (await readdir('/proc')).filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  const procs = (await Promise.all(entries.map(readProc))).filter((p) => p !== null);
  const children = new Map<number, ProcStat[]>();
  for (const { stat } of procs) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const roots = procs.filter((p) => p.stat.ppid === process.pid && isRoot(p.cmdline)).map((p) => p.stat);
  if (roots.length === 0) return null;
  let ticks = 0;
  const stack = [...roots];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    ticks += p.ticks;
    stack.push(...(children.get(p.pid) ?? []));
  }
  return (ticks * 1000) / clockTicks();
}

/**
 * The Chromium that Playwright launched from this process: the browser process (started with
 * --remote-debugging-pipe) and everything under it (renderer, whose threads include the wasm
 * backend's workers, GPU and utility processes). Not this Node process (the Vite server).
 */
export function chromiumProbes(): HostProbes {
  return {
    cpuMs: () => childTreesCpuMs((cmdline) => cmdline.split('\0').includes('--remote-debugging-pipe')),
    loadAverage: async () => os.loadavg(),
  };
}
