/**
 * Node's side of `DatasetFiles`: a folder on disk. Kept out of src/eval so the evaluator itself
 * stays Node-free and can run in a browser page with a different `DatasetFiles`.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { DatasetFiles } from '../../src/eval/readers';

/** A dataset folder on disk; throws a readable Error when it is missing or not a folder. */
export async function nodeDatasetFiles(folder: string): Promise<DatasetFiles> {
  const dir = resolve(folder);
  const info = await stat(dir).catch(() => null);
  if (info === null) throw new Error(`data folder ${dir} does not exist`);
  if (!info.isDirectory()) throw new Error(`${dir} is not a folder (--data takes the dataset folder)`);
  return {
    name: basename(dir),
    list: async () => {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    },
    read: (file) => readFile(join(dir, file), 'utf8'),
  };
}
