#!/usr/bin/env node
// How many cross-room imports (src/A/** importing src/B/**, A != B) go through B's index.ts, and
// the room-level import graph with its cycles. Usage: node scripts/room-imports.mjs [--deep]
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, resolve, relative } from 'node:path';
const root = resolve(new URL('..', import.meta.url).pathname);
const src = join(root, 'src');
const files = [];
(function walk(d) { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else if (/\.(ts|tsx)$/.test(n)) files.push(p); } })(src);
const re = /(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|vi\.mock\(\s*['"]([^'"]+)['"]/g;
function resolveTarget(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const c of [base, base + '.ts', base + '.tsx', join(base, 'index.ts'), join(base, 'index.tsx')]) if (existsSync(c) && statSync(c).isFile()) return c;
  if (/\.ts$/.test(spec) && existsSync(base)) return base;
  return null;
}
const roomOf = (p) => { const rel = relative(src, p); if (rel.startsWith('..')) return null; const r = rel.split('/'); return r.length > 1 ? r[0] : null; };
let total = 0, viaIndex = 0; const deep = []; const edges = new Map();
for (const f of files) {
  const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of text.matchAll(re)) {
    const spec = m[1] ?? m[2] ?? m[3]; if (!spec.startsWith('.')) continue;
    const t = resolveTarget(f, spec); if (!t) { console.error('unresolved', relative(root, f), spec); continue; }
    const a = roomOf(f), b = roomOf(t); if (!a || !b || a === b) continue;
    total++; const isIndex = /^index\.tsx?$/.test(relative(join(src, b), t));
    if (isIndex) viaIndex++; else deep.push(`${relative(root, f)} -> ${spec}`);
    if (!edges.has(a)) edges.set(a, new Set()); edges.get(a).add(b);
  }
}
console.log(`cross-room imports: ${total}, through index: ${viaIndex} (${(100 * viaIndex / total).toFixed(1)}%)`);
if (process.argv.includes('--deep')) for (const d of deep) console.log('  deep:', d);
// room-level cycles: strongly connected components + 2-cycles
const rooms = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])])].sort();
for (const r of rooms) console.log(`  ${r} -> ${[...(edges.get(r) ?? [])].sort().join(', ')}`);
let idx = 0; const st = [], on = new Set(), ix = new Map(), low = new Map(), sccs = [];
function sc(v) { ix.set(v, idx); low.set(v, idx++); st.push(v); on.add(v);
  for (const w of edges.get(v) ?? []) { if (!ix.has(w)) { sc(w); low.set(v, Math.min(low.get(v), low.get(w))); } else if (on.has(w)) low.set(v, Math.min(low.get(v), ix.get(w))); }
  if (low.get(v) === ix.get(v)) { const c = []; let w; do { w = st.pop(); on.delete(w); c.push(w); } while (w !== v); if (c.length > 1) sccs.push(c); } }
for (const r of rooms) if (!ix.has(r)) sc(r);
console.log('cyclic room groups:', sccs.length ? sccs.map((c) => c.sort().join(' <-> ')).join('; ') : 'none');
for (const a of rooms) for (const b of edges.get(a) ?? []) if (a < b && edges.get(b)?.has(a)) console.log(`  2-cycle: ${a} <-> ${b}`);
