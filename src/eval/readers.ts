/**
 * Dataset readers for the offline evaluation: RecBole atomic files and MovieLens CSV folders.
 *
 * The readers only parse text; where the text comes from is the caller's `DatasetFiles` (Node's fs
 * in scripts/, a dropped folder in a browser page), so this module stays DOM- and Node-free.
 * Ids are remapped to dense indices in order of first appearance in the interaction file, and every
 * rating becomes an implicit interaction of weight 1 (the protocol in /work/shared/data/README.md).
 * Malformed input throws a `DatasetError` naming the file and the 1-based line (the header is line 1).
 */
import Papa from 'papaparse';
import type { Interactions } from '../models';

export const DATASET_FORMATS = ['recbole', 'movielens'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** A folder of dataset files, however it is stored. */
export interface DatasetFiles {
  /** the dataset's name, e.g. the folder's base name ('ml-100k') */
  readonly name: string;
  /** names of the files directly inside the folder */
  list(): Promise<string[]>;
  /** the text of one of the listed files (UTF-8) */
  read(file: string): Promise<string>;
}

export class DatasetError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, message: string) {
    super(line === undefined ? `${file}: ${message}` : `${file} line ${line}: ${message}`);
    this.name = 'DatasetError';
    this.file = file;
    this.line = line;
  }
}

export type FeatureValue = string | number | string[] | number[];

/** Item side information, one row per dense item index. */
export interface ItemFeatureTable {
  /** the file the features came from */
  source: string;
  /** fields in file order, without the item id (RecBole types: token, token_seq, float, float_seq) */
  fields: { name: string; type: string }[];
  /** [numItems]; null for items that have no row in the file */
  rows: (Record<string, FeatureValue> | null)[];
}

export interface Dataset {
  name: string;
  format: DatasetFormat;
  /** all events, sorted by time (ties in file order), weight 1, time in ms */
  interactions: Interactions;
  /** explicit rating of each event in `interactions` order, NaN where the file has none */
  ratings: Float32Array;
  /** dense user index -> original id */
  userIds: string[];
  /** dense item index -> original id */
  itemIds: string[];
  itemFeatures: ItemFeatureTable | null;
  /** non-fatal oddities worth printing (e.g. feature rows for items never interacted with) */
  warnings: string[];
}

/** Original ids -> dense indices, in order of first appearance. */
class IdMap {
  private readonly index = new Map<string, number>();
  readonly ids: string[] = [];
  get(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }
  find(id: string): number | undefined {
    return this.index.get(id);
  }
}

/** What an interaction parser produces before sorting. */
export interface RawLog {
  users: IdMap;
  items: IdMap;
  user: number[];
  item: number[];
  /** ms since epoch; 0 for every event when the file has no timestamps (file order decides) */
  time: number[];
  /** the explicit rating of each event, NaN where the file has none (only the app replay reads it) */
  rating: number[];
}

// Decimal numbers only: Number() would also accept '', ' ', '0x1f' and 'Infinity'.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string, file: string, line: number, field: string): number {
  const s = text.trim();
  if (!NUMBER.test(s)) throw new DatasetError(file, line, `${field} "${text}" is not a number`);
  return Number(s);
}

/** Lines without their terminators; a BOM and one trailing empty line are dropped. */
function splitLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

// ---------------------------------------------------------------------------------------------
// RecBole atomic files
// ---------------------------------------------------------------------------------------------

const RECBOLE_TYPES = new Set(['token', 'token_seq', 'float', 'float_seq']);

interface RecboleHeader {
  fields: { name: string; type: string }[];
}

function parseRecboleHeader(line: string | undefined, file: string): RecboleHeader {
  if (line === undefined || line.trim() === '') {
    throw new DatasetError(file, 1, 'missing header (expected tab-separated "field:type" columns)');
  }
  const fields = line.split('\t').map((col) => {
    const colon = col.lastIndexOf(':');
    const name = colon > 0 ? col.slice(0, colon) : '';
    const type = colon > 0 ? col.slice(colon + 1) : '';
    if (name === '' || !RECBOLE_TYPES.has(type)) {
      throw new DatasetError(
        file,
        1,
        `header column "${col}" is not "field:type" with type token, token_seq, float or float_seq`,
      );
    }
    return { name, type };
  });
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) throw new DatasetError(file, 1, `header repeats field "${f.name}"`);
    seen.add(f.name);
  }
  return { fields };
}

function requireField(
  header: RecboleHeader,
  name: string,
  type: string,
  file: string,
  optional = false,
): number {
  const at = header.fields.findIndex((f) => f.name === name);
  if (at < 0) {
    if (optional) return -1;
    throw new DatasetError(file, 1, `header has no "${name}:${type}" column`);
  }
  if (header.fields[at]!.type !== type) {
    throw new DatasetError(
      file,
      1,
      `column "${name}" has type ${header.fields[at]!.type}, expected ${type}`,
    );
  }
  return at;
}

/** Splits one data row and checks its field count. */
function recboleRow(line: string, header: RecboleHeader, file: string, lineNo: number): string[] {
  const cols = line.split('\t');
  if (cols.length !== header.fields.length) {
    throw new DatasetError(
      file,
      lineNo,
      `expected ${header.fields.length} tab-separated fields, got ${cols.length}`,
    );
  }
  return cols;
}

/**
 * Parses a RecBole `.inter` file: needs `user_id:token` and `item_id:token`; `timestamp:float`
 * (Unix seconds) orders each user's events and may be absent (then file order decides). Every
 * float column is validated, including `rating`, whose value is otherwise ignored (implicit data).
 */
export function parseRecboleInter(text: string, file: string): RawLog {
  const lines = splitLines(text);
  const header = parseRecboleHeader(lines[0], file);
  const userAt = requireField(header, 'user_id', 'token', file);
  const itemAt = requireField(header, 'item_id', 'token', file);
  const timeAt = requireField(header, 'timestamp', 'float', file, true);
  const floatCols = header.fields.flatMap((f, i) => (f.type === 'float' ? [i] : []));
  const ratingAt = requireField(header, 'rating', 'float', file, true);

  const log: RawLog = { users: new IdMap(), items: new IdMap(), user: [], item: [], time: [], rating: [] };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const cols = recboleRow(line, header, file, lineNo);
    for (const c of floatCols) {
      // An empty float is a missing value in RecBole; only the timestamp must be present.
      if (cols[c]!.trim() !== '' || c === timeAt) {
        parseNumber(cols[c]!, file, lineNo, header.fields[c]!.name);
      }
    }
    const u = cols[userAt]!.trim();
    const it = cols[itemAt]!.trim();
    if (u === '') throw new DatasetError(file, lineNo, 'user_id is empty');
    if (it === '') throw new DatasetError(file, lineNo, 'item_id is empty');
    log.user.push(log.users.get(u));
    log.item.push(log.items.get(it));
    log.time.push(timeAt < 0 ? 0 : Number(cols[timeAt]!.trim()) * 1000);
    log.rating.push(ratingAt < 0 || cols[ratingAt]!.trim() === '' ? NaN : Number(cols[ratingAt]!.trim()));
  }
  return log;
}

/**
 * Parses a RecBole `.item` file into features for the items already known from the interactions
 * (`items`); rows for other items are skipped and reported in `warnings`.
 */
export function parseRecboleItems(
  text: string,
  file: string,
  items: { find(id: string): number | undefined; readonly ids: string[] },
  warnings: string[],
): ItemFeatureTable {
  const lines = splitLines(text);
  const header = parseRecboleHeader(lines[0], file);
  const idAt = requireField(header, 'item_id', 'token', file);
  const fields = header.fields.filter((_, i) => i !== idAt);
  const rows: (Record<string, FeatureValue> | null)[] = items.ids.map(() => null);
  let unknown = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    const cols = recboleRow(line, header, file, lineNo);
    const id = cols[idAt]!.trim();
    if (id === '') throw new DatasetError(file, lineNo, 'item_id is empty');
    const index = items.find(id);
    if (index === undefined) {
      unknown++;
      continue;
    }
    if (rows[index] !== null) throw new DatasetError(file, lineNo, `item_id "${id}" appears twice`);
    const row: Record<string, FeatureValue> = {};
    header.fields.forEach((f, c) => {
      if (c === idAt) return;
      const raw = cols[c]!;
      switch (f.type) {
        case 'token':
          row[f.name] = raw.trim();
          break;
        case 'token_seq':
          row[f.name] = raw.split(' ').filter((t) => t !== '');
          break;
        case 'float':
          row[f.name] = raw.trim() === '' ? NaN : parseNumber(raw, file, lineNo, f.name);
          break;
        case 'float_seq':
          row[f.name] = raw
            .split(' ')
            .filter((t) => t !== '')
            .map((t) => parseNumber(t, file, lineNo, f.name));
          break;
      }
    });
    rows[index] = row;
  }
  if (unknown > 0) warnings.push(`${file}: skipped ${unknown} rows for items with no interactions`);
  const missing = rows.filter((r) => r === null).length;
  if (missing > 0) warnings.push(`${file}: ${missing} interacted items have no row`);
  return { source: file, fields, rows };
}

// ---------------------------------------------------------------------------------------------
// MovieLens CSV (ml-latest, ml-25m, ml-20m layout)
// ---------------------------------------------------------------------------------------------

/**
 * CSV rows with their 1-based line numbers. Line numbers assume no quoted field spans lines,
 * which holds for MovieLens files.
 */
function parseCsv(text: string, file: string): { cells: string[]; line: number }[] {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter: ',',
    skipEmptyLines: false,
  });
  const first = parsed.errors[0];
  if (first !== undefined) {
    const line = first.row === undefined ? undefined : first.row + 1;
    throw new DatasetError(file, line, `CSV ${first.code}: ${first.message}`);
  }
  const out: { cells: string[]; line: number }[] = [];
  parsed.data.forEach((cells, i) => {
    if (cells.length === 1 && cells[0]!.trim() === '') return; // blank line
    out.push({ cells, line: i + 1 });
  });
  return out;
}

function csvColumns(
  header: { cells: string[]; line: number } | undefined,
  required: string[],
  file: string,
): number[] {
  if (header === undefined || header.line !== 1) {
    throw new DatasetError(file, 1, `missing header (expected ${required.join(',')})`);
  }
  const names = header.cells.map((c) => c.trim());
  return required.map((name) => {
    const at = names.indexOf(name);
    if (at < 0) {
      throw new DatasetError(file, 1, `header has no "${name}" column (expected ${required.join(',')})`);
    }
    return at;
  });
}

/** Parses MovieLens `ratings.csv` (userId,movieId,rating,timestamp; Unix seconds). */
export function parseMovielensRatings(text: string, file: string): RawLog {
  const rows = parseCsv(text, file);
  const [userAt, itemAt, ratingAt, timeAt] = csvColumns(
    rows[0],
    ['userId', 'movieId', 'rating', 'timestamp'],
    file,
  ) as [number, number, number, number];
  const width = rows[0]!.cells.length;
  const log: RawLog = { users: new IdMap(), items: new IdMap(), user: [], item: [], time: [], rating: [] };
  for (let r = 1; r < rows.length; r++) {
    const { cells, line } = rows[r]!;
    if (cells.length !== width) {
      throw new DatasetError(file, line, `expected ${width} comma-separated fields, got ${cells.length}`);
    }
    const u = cells[userAt]!.trim();
    const it = cells[itemAt]!.trim();
    if (u === '') throw new DatasetError(file, line, 'userId is empty');
    if (it === '') throw new DatasetError(file, line, 'movieId is empty');
    const rating = parseNumber(cells[ratingAt]!, file, line, 'rating');
    const t = parseNumber(cells[timeAt]!, file, line, 'timestamp');
    log.user.push(log.users.get(u));
    log.item.push(log.items.get(it));
    log.time.push(t * 1000);
    log.rating.push(rating);
  }
  return log;
}

/** Parses MovieLens `movies.csv` (movieId,title,genres with '|'-separated genres). */
export function parseMovielensMovies(
  text: string,
  file: string,
  items: { find(id: string): number | undefined; readonly ids: string[] },
  warnings: string[],
): ItemFeatureTable {
  const rows = parseCsv(text, file);
  const [idAt, titleAt, genresAt] = csvColumns(rows[0], ['movieId', 'title', 'genres'], file) as [
    number,
    number,
    number,
  ];
  const width = rows[0]!.cells.length;
  const out: (Record<string, FeatureValue> | null)[] = items.ids.map(() => null);
  let unknown = 0;
  for (let r = 1; r < rows.length; r++) {
    const { cells, line } = rows[r]!;
    if (cells.length !== width) {
      throw new DatasetError(file, line, `expected ${width} comma-separated fields, got ${cells.length}`);
    }
    const id = cells[idAt]!.trim();
    if (id === '') throw new DatasetError(file, line, 'movieId is empty');
    const index = items.find(id);
    if (index === undefined) {
      unknown++;
      continue;
    }
    if (out[index] !== null) throw new DatasetError(file, line, `movieId "${id}" appears twice`);
    const genres = cells[genresAt]!.trim();
    out[index] = {
      title: cells[titleAt]!.trim(),
      genres: genres === '' || genres === '(no genres listed)' ? [] : genres.split('|'),
    };
  }
  if (unknown > 0) warnings.push(`${file}: skipped ${unknown} rows for movies with no ratings`);
  const missing = out.filter((r) => r === null).length;
  if (missing > 0) warnings.push(`${file}: ${missing} rated movies have no row`);
  return {
    source: file,
    fields: [
      { name: 'title', type: 'token' },
      { name: 'genres', type: 'token_seq' },
    ],
    rows: out,
  };
}

// ---------------------------------------------------------------------------------------------
// Assembling a dataset
// ---------------------------------------------------------------------------------------------

/** Columnar, time-sorted interactions (ties keep file order), all of weight 1. */
function toInteractions(log: RawLog): { interactions: Interactions; ratings: Float32Array } {
  const n = log.user.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => log.time[a]! - log.time[b]! || a - b);
  const out: Interactions = {
    numUsers: log.users.ids.length,
    numItems: log.items.ids.length,
    user: new Int32Array(n),
    item: new Int32Array(n),
    weight: new Float32Array(n).fill(1),
    time: new Float64Array(n),
  };
  const ratings = new Float32Array(n);
  order.forEach((e, k) => {
    out.user[k] = log.user[e]!;
    out.item[k] = log.item[e]!;
    out.time[k] = log.time[e]!;
    ratings[k] = log.rating[e] ?? NaN;
  });
  return { interactions: out, ratings };
}

function pickInterFile(files: string[], name: string): string {
  const inter = files.filter((f) => f.endsWith('.inter')).sort();
  if (inter.includes(`${name}.inter`)) return `${name}.inter`;
  if (inter.length === 1) return inter[0]!;
  if (inter.length === 0) {
    throw new DatasetError(name, undefined, 'no .inter file found (recbole format needs <name>.inter)');
  }
  throw new DatasetError(
    name,
    undefined,
    `several .inter files (${inter.join(', ')}) and none is named ${name}.inter`,
  );
}

/** Reads a dataset folder in the given format. */
export async function loadDataset(format: DatasetFormat, files: DatasetFiles): Promise<Dataset> {
  const listed = await files.list();
  const warnings: string[] = [];
  let log: RawLog;
  let itemFeatures: ItemFeatureTable | null = null;
  let name = files.name;

  if (format === 'recbole') {
    const interFile = pickInterFile(listed, files.name);
    name = interFile.slice(0, -'.inter'.length);
    log = parseRecboleInter(await files.read(interFile), interFile);
    const itemFile = `${name}.item`;
    if (listed.includes(itemFile)) {
      itemFeatures = parseRecboleItems(await files.read(itemFile), itemFile, log.items, warnings);
    }
  } else if (format === 'movielens') {
    if (!listed.includes('ratings.csv')) {
      throw new DatasetError(
        files.name,
        undefined,
        'no ratings.csv found (movielens format needs ratings.csv with userId,movieId,rating,timestamp)',
      );
    }
    log = parseMovielensRatings(await files.read('ratings.csv'), 'ratings.csv');
    if (listed.includes('movies.csv')) {
      itemFeatures = parseMovielensMovies(await files.read('movies.csv'), 'movies.csv', log.items, warnings);
    }
  } else {
    throw new Error(`unknown dataset format "${String(format)}" (expected ${DATASET_FORMATS.join(' or ')})`);
  }

  if (log.user.length === 0) {
    throw new DatasetError(files.name, undefined, 'no interactions found');
  }
  return {
    name,
    format,
    ...toInteractions(log),
    userIds: log.users.ids,
    itemIds: log.items.ids,
    itemFeatures,
    warnings,
  };
}
