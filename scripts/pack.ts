/**
 * `npx tsx scripts/pack.ts --format synthetic --catalog public/catalog/default.json --out public/packs/default.burrowpack`
 * `npx tsx scripts/pack.ts --format recbole|movielens --data <folder> --out <outside the repo>.burrowpack`
 *   [--models embedding,sasrec] [--backend cpu|wasm] [--max-minutes N] [--seed N] [--walks N] [--eval-users N]
 *
 * Builds a base pack (the weights a new user starts from). The work is done by createPack
 * (scripts/pack-lib/run.ts); this file adds the progress line on stderr, the summary on stdout and
 * exit codes: 0 written, 1 bad input or failure, 2 bad command line.
 */
import type { BuildProgress } from '../src/packs/build';
import { createPack, parsePackArgs, summarize, UsageError, USAGE } from './pack-lib/run';

/** A live line on a terminal; one line per stage change (and every 10 s) in logs. */
function progressReporter(): { update: (p: BuildProgress) => void; log: (line: string) => void; finish: () => void } {
  const tty = process.stderr.isTTY === true;
  let live = false;
  let lastDraw = 0;
  let lastKey = '';
  const describe = (p: BuildProgress) => `${p.model ? `[${p.model}] ` : ''}${p.stage}: ${p.message}`;
  const clear = () => {
    if (tty && live) process.stderr.write('\r\x1b[K');
    live = false;
  };
  return {
    update(p) {
      const now = Date.now();
      const key = `${p.stage}/${p.model ?? ''}`;
      if (tty) {
        if (now - lastDraw < 100 && key === lastKey) return;
        process.stderr.write(`\r\x1b[K${describe(p).slice(0, (process.stderr.columns || 100) - 1)}`);
        live = true;
      } else {
        if (key === lastKey && now - lastDraw < 10_000) return;
        process.stderr.write(`${describe(p)}\n`);
      }
      lastDraw = now;
      lastKey = key;
    },
    log(line) {
      clear();
      process.stderr.write(`${line}\n`);
    },
    /** removes the live line, so the summary or error starts on a clean line */
    finish: clear,
  };
}

async function main(): Promise<number> {
  let options;
  try {
    options = parsePackArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const reporter = progressReporter();
  try {
    const pack = await createPack(options, { progress: reporter.update, log: reporter.log });
    reporter.finish();
    process.stdout.write(`${summarize(pack)}\n`);
    return 0;
  } catch (e) {
    reporter.finish();
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
