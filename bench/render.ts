/** Re-render bench/REPORT.md + SVGs from bench/report.json (no measuring): `npx tsx bench/render.ts [dir]`. */
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport, type BenchReport } from './report';

const dir = resolve(process.argv[2] ?? dirname(fileURLToPath(import.meta.url)));
const report = JSON.parse(readFileSync(resolve(dir, 'report.json'), 'utf8')) as BenchReport;
console.log(writeReport(report, dir).join(', '));
