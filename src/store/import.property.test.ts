/**
 * Property tests of the import decoder (issue 13): random mutations of a real export are either
 * refused with a short StoreError (and nothing stored changes), or accepted and round-trip exactly.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_LIMIT } from '../common';
import { openStore, StoreError, type BurrowStore, type ExportFile } from './index.ts';
import { parseExportFile, parseExportText } from './schema.ts';

let store: BurrowStore;
let real: ExportFile;

beforeAll(async () => {
  const source = await openStore({ name: 'export-source', idbFactory: new IDBFactory() });
  const now = Date.now();
  await source.appendMany([
    { itemId: 'alien-1979', kind: 'like', catalogId: 'movies', ts: now - 5000 },
    { itemId: 'jaws-1975', kind: 'rating', value: 4, catalogId: 'movies', ts: now - 4000 },
    { itemId: 'heat-1995', kind: 'dislike', catalogId: 'movies', ts: now - 3000 },
    { itemId: 'heat-1995', kind: 'remove', catalogId: 'movies', ts: now - 2000 },
    { itemId: 'up-2009', kind: 'view', catalogId: 'movies', ts: now - 1000 },
  ]);
  real = await source.exportAll();
  source.close();
  store = await openStore({ name: 'import-target', idbFactory: new IDBFactory() });
  await store.append({ itemId: 'kept-1', kind: 'like', catalogId: 'movies' });
});

afterAll(() => store.close());

/** A JSON value that may replace any part of the file. */
const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e308, -1, 8.64e15 + 1, Date.now() + 50 * 365 * 86_400_000, 0),
  fc.string({ maxLength: 20 }),
  fc.constant('x'.repeat(100_000)),
  fc.constant('burrow-export'),
  fc.constantFrom('like', 'rating', 'teleport'),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

type Path = (string | number)[];

/** Every path into a JSON value (objects' keys, arrays' indices). */
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: Path, value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

const valueMutation = fc.record({ pick: fc.nat(), value: junk, remove: fc.boolean() });
const textMutation = fc.record({ at: fc.nat(), cut: fc.nat({ max: 8 }), insert: fc.string({ maxLength: 8 }) });

function mutateValue(file: unknown, m: { pick: number; value: unknown; remove: boolean }): unknown {
  const all = paths(file);
  return setAt(file, all[m.pick % all.length]!, m.value, m.remove);
}

function mutateText(text: string, m: { at: number; cut: number; insert: string }): string {
  const at = m.at % (text.length + 1);
  return text.slice(0, at) + m.insert + text.slice(at + m.cut);
}

/** Refused with a short StoreError, or accepted and the parse round-trips exactly. */
function check(parse: () => ExportFile): ExportFile | null {
  let parsed: ExportFile;
  try {
    parsed = parse();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).reason).toBe('invalid-import');
    expect((error as Error).message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
    return null;
  }
  expect(parseExportText(JSON.stringify(parsed))).toEqual(parsed);
  return parsed;
}

describe('the import decoder under random mutations', () => {
  it('value-level mutations (1-3 fields replaced or removed): refused briefly, or round-trip', () => {
    fc.assert(
      fc.property(fc.array(valueMutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const file = mutations.reduce<unknown>(mutateValue, real);
        check(() => parseExportFile(file));
      }),
      { numRuns: 1000, seed: 13 },
    );
  });

  it('text-level mutations of the JSON: refused briefly, or round-trip', () => {
    const text = JSON.stringify(real, null, 1);
    fc.assert(
      fc.property(fc.array(textMutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const mutated = mutations.reduce(mutateText, text);
        check(() => parseExportText(mutated));
      }),
      { numRuns: 1000, seed: 13 },
    );
  });

  it('through the store: a refusal changes nothing stored; an acceptance stores exactly the new events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(valueMutation, { minLength: 1, maxLength: 2 }), fc.uuid(), async (mutations, salt) => {
        // fresh uids per run, so an accepted file really adds its events
        const renamed = { ...real, events: real.events.map((e, i) => ({ ...e, uid: `${salt}-${i}` })) };
        const file = mutations.reduce<unknown>(mutateValue, renamed);
        const before = (await store.readEvents()).events;
        let result;
        try {
          result = await store.importFile(file);
        } catch (error) {
          expect(error).toBeInstanceOf(StoreError);
          expect((error as Error).message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
          expect((await store.readEvents()).events).toEqual(before);
          return;
        }
        const parsed = parseExportFile(file);
        const after = (await store.readEvents()).events;
        const known = new Set(before.map((e) => e.uid));
        const fresh = [...new Map(parsed.events.filter((e) => !known.has(e.uid)).map((e) => [e.uid, e])).values()];
        expect(result.added).toBe(after.length - before.length);
        expect(after.slice(0, before.length)).toEqual(before);
        // exactly what the file said, in file order (first copy of each uid)
        const firstCopies = parsed.events.filter((e, i, all) => !known.has(e.uid) && all.findIndex((x) => x.uid === e.uid) === i);
        expect(after.slice(before.length)).toEqual(firstCopies);
        expect(fresh.length).toBe(firstCopies.length);
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});
