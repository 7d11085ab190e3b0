/**
 * npm run catalog: builds public/catalog/default.json (git-ignored), PROVENANCE.md and
 * catalog.schema.json from the vega-datasets movies table. Deterministic: no timestamps, stable order.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildVegaMoviesCatalog } from '../src/catalog/clean-vega-movies.ts';
import { renderProvenance } from '../src/catalog/provenance.ts';
import { catalogJsonSchema, parseCatalog } from '../src/catalog/schema.ts';

const PACKAGE = 'vega-datasets';
const DATA_PATH = 'data/movies.json';
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repoRoot, 'public', 'catalog');

/** The package's "exports" hide package.json, so walk up from its entry point. */
function packageRoot(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  while (!existsSync(join(dir, 'package.json')) || readJson<{ name?: string }>(join(dir, 'package.json')).name !== name) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the root of package ${name}`);
    dir = parent;
  }
  return dir;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function readOptional(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

function dataHash(root: string): string | null {
  const datapackage = readOptional(join(root, 'datapackage.json'));
  if (datapackage === null) return null;
  const resources = (JSON.parse(datapackage) as { resources?: { path?: string; hash?: string }[] }).resources ?? [];
  return resources.find((r) => r.path === DATA_PATH.replace(/^data\//, ''))?.hash ?? null;
}

function main(): void {
  const started = performance.now();
  const root = packageRoot(PACKAGE);
  const pkg = readJson<{ version: string; license?: string }>(join(root, 'package.json'));
  const rows = readJson<unknown>(join(root, DATA_PATH));
  if (!Array.isArray(rows)) throw new Error(`${PACKAGE}/${DATA_PATH} is not a JSON array`);

  const { catalog, report } = buildVegaMoviesCatalog(rows, { packageVersion: pkg.version });
  // Validate what the browser will actually read, after a JSON round trip.
  const json = JSON.stringify(catalog);
  parseCatalog(JSON.parse(json));

  const provenance = renderProvenance(catalog, report, {
    packageName: PACKAGE,
    packageVersion: pkg.version,
    packageLicense: pkg.license ?? 'unknown',
    licenseText: readOptional(join(root, 'LICENSE')) ?? readOptional(join(root, 'LICENSE.md')),
    dataPath: DATA_PATH,
    dataHash: dataHash(root),
    command: 'npm run catalog',
  });

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'default.json'), json);
  writeFileSync(join(outDir, 'PROVENANCE.md'), provenance);
  writeFileSync(join(outDir, 'catalog.schema.json'), `${JSON.stringify(catalogJsonSchema(), null, 2)}\n`);

  const fixed = Object.entries(report.fixes)
    .filter(([, f]) => f.count > 0)
    .map(([kind, f]) => `${kind}=${f.count}`)
    .join(' ');
  console.log(
    `catalog ${catalog.id}: ${report.inputRows} rows -> ${report.outputItems} items ` +
      `(${fixed}) -> ${relative(repoRoot, outDir)}/ in ${Math.round(performance.now() - started)} ms`,
  );
}

main();
