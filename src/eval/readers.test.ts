import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeDatasetFiles } from '../../scripts/eval-lib/node-files';
import { DatasetError, loadDataset, parseMovielensRatings, parseRecboleInter } from './readers';

const root = mkdtempSync(join(tmpdir(), 'burrow-readers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a dataset folder with the given files and returns its path. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const INTER_HEADER = 'user_id:token\titem_id:token\trating:float\ttimestamp:float\n';

describe('recbole reader', () => {
  it('remaps ids densely, sorts by time (ties in file order) and reads .item features', async () => {
    const dir = folder('tiny', {
      'tiny.inter':
        INTER_HEADER +
        'u9\ti5\t4\t300\n' +
        'u7\ti6\t1\t100\n' +
        'u9\ti6\t5\t100\n' + // same time as the previous row: stays after it
        'u7\ti5\t3\t200\r\n' + // CRLF tolerated
        '\n',
      'tiny.item':
        'item_id:token\tmovie_title:token_seq\tyear:float\n' +
        'i5\tThe Five\t1995\n' +
        'i6\tSix\t\n' +
        'i99\tNever Rated\t2000\n',
    });
    const ds = await loadDataset('recbole', await nodeDatasetFiles(dir));
    expect(ds.name).toBe('tiny');
    expect(ds.userIds).toEqual(['u9', 'u7']);
    expect(ds.itemIds).toEqual(['i5', 'i6']);
    const d = ds.interactions;
    expect(d.numUsers).toBe(2);
    expect(d.numItems).toBe(2);
    // by time: (u7,i6,100) (u9,i6,100) (u7,i5,200) (u9,i5,300)
    expect(Array.from(d.user)).toEqual([1, 0, 1, 0]);
    expect(Array.from(d.item)).toEqual([1, 1, 0, 0]);
    expect(Array.from(d.time)).toEqual([100_000, 100_000, 200_000, 300_000]);
    expect(Array.from(d.weight)).toEqual([1, 1, 1, 1]);
    expect(ds.itemFeatures?.fields.map((f) => f.name)).toEqual(['movie_title', 'year']);
    expect(ds.itemFeatures?.rows[0]).toEqual({ movie_title: ['The', 'Five'], year: 1995 });
    expect(ds.itemFeatures?.rows[1]?.['year']).toBeNaN();
    expect(ds.warnings).toEqual(['tiny.item: skipped 1 rows for items with no interactions']);
  });

  it('names the file and line of a malformed value', () => {
    const text = INTER_HEADER + '1\t2\t3\t100\n1\t3\t4\tabc\n';
    expect(() => parseRecboleInter(text, 'x.inter')).toThrow(
      'x.inter line 3: timestamp "abc" is not a number',
    );
    try {
      parseRecboleInter(text, 'x.inter');
    } catch (e) {
      expect(e).toBeInstanceOf(DatasetError);
      expect((e as DatasetError).line).toBe(3);
    }
    expect(() => parseRecboleInter(INTER_HEADER + '1\t2\tbad\t1\n', 'x.inter')).toThrow(
      'x.inter line 2: rating "bad" is not a number',
    );
    expect(() => parseRecboleInter(INTER_HEADER + '1\t2\t3\n', 'x.inter')).toThrow(
      'x.inter line 2: expected 4 tab-separated fields, got 3',
    );
    expect(() => parseRecboleInter(INTER_HEADER + '\t2\t3\t4\n', 'x.inter')).toThrow(
      'x.inter line 2: user_id is empty',
    );
  });

  it('rejects bad headers', () => {
    expect(() => parseRecboleInter('user_id\titem_id\n1\t2\n', 'h.inter')).toThrow(
      /h\.inter line 1: header column "user_id" is not "field:type"/,
    );
    expect(() => parseRecboleInter('user_id:token\trating:float\n', 'h.inter')).toThrow(
      'h.inter line 1: header has no "item_id:token" column',
    );
    expect(() => parseRecboleInter('user_id:float\titem_id:token\n', 'h.inter')).toThrow(
      'h.inter line 1: column "user_id" has type float, expected token',
    );
    expect(() => parseRecboleInter('', 'h.inter')).toThrow(/h\.inter line 1: missing header/);
  });

  it('uses file order when there is no timestamp column', () => {
    const log = parseRecboleInter('user_id:token\titem_id:token\na\tx\na\ty\n', 'n.inter');
    expect(log.time).toEqual([0, 0]);
    expect(log.item).toEqual([0, 1]);
  });

  it('explains a folder without a usable .inter file', async () => {
    const empty = folder('empty', { 'readme.txt': 'hi' });
    await expect(loadDataset('recbole', await nodeDatasetFiles(empty))).rejects.toThrow(
      'empty: no .inter file found',
    );
    const two = folder('two', { 'a.inter': INTER_HEADER, 'b.inter': INTER_HEADER });
    await expect(loadDataset('recbole', await nodeDatasetFiles(two))).rejects.toThrow(
      /several \.inter files \(a\.inter, b\.inter\)/,
    );
    const headerOnly = folder('hdr', { 'hdr.inter': INTER_HEADER });
    await expect(loadDataset('recbole', await nodeDatasetFiles(headerOnly))).rejects.toThrow(
      'no interactions found',
    );
    await expect(nodeDatasetFiles(join(root, 'missing'))).rejects.toThrow(/does not exist/);
  });
});

describe('movielens reader', () => {
  it('reads ratings.csv and movies.csv (quoted titles, pipe genres)', async () => {
    const dir = folder('ml-tiny', {
      'ratings.csv':
        'userId,movieId,rating,timestamp\n' + '1,10,4.0,1000\n' + '2,20,3.5,999\n' + '1,20,5,1001\n',
      'movies.csv':
        'movieId,title,genres\n' +
        '10,"Movie, The (1999)",Comedy|Drama\n' +
        '20,Other (2001),(no genres listed)\n',
    });
    const ds = await loadDataset('movielens', await nodeDatasetFiles(dir));
    expect(ds.name).toBe('ml-tiny');
    expect(ds.userIds).toEqual(['1', '2']);
    expect(ds.itemIds).toEqual(['10', '20']);
    expect(Array.from(ds.interactions.user)).toEqual([1, 0, 0]);
    expect(Array.from(ds.interactions.item)).toEqual([1, 0, 1]);
    expect(ds.itemFeatures?.rows).toEqual([
      { title: 'Movie, The (1999)', genres: ['Comedy', 'Drama'] },
      { title: 'Other (2001)', genres: [] },
    ]);
    expect(ds.warnings).toEqual([]);
  });

  it('names the file and line of malformed rows', async () => {
    const h = 'userId,movieId,rating,timestamp\n';
    expect(() => parseMovielensRatings(h + '1,2,3,4\n1,2,x,5\n', 'ratings.csv')).toThrow(
      'ratings.csv line 3: rating "x" is not a number',
    );
    expect(() => parseMovielensRatings(h + '1,2,3\n', 'ratings.csv')).toThrow(
      'ratings.csv line 2: expected 4 comma-separated fields, got 3',
    );
    expect(() => parseMovielensRatings('user,movie\n', 'ratings.csv')).toThrow(
      'ratings.csv line 1: header has no "userId" column',
    );
    const noRatings = folder('ml-none', { 'movies.csv': 'movieId,title,genres\n' });
    await expect(loadDataset('movielens', await nodeDatasetFiles(noRatings))).rejects.toThrow(
      'ml-none: no ratings.csv found',
    );
  });
});
