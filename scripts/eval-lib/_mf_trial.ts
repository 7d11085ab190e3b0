// Temporary trial (deleted after use): mf through the harness before embedding/index.ts exists.
import { createEmbeddingModel } from '../../src/models/embedding/model';
import { runEvaluation, formatTable } from '../../src/eval';
import { MODEL_REGISTRY } from '../../src/models/registry';
import { nodeDatasetFiles } from './node-files';
import { prepareNodeBackend } from './backend';
const backend = (process.argv[2] ?? 'cpu') as 'cpu' | 'wasm';
const t = Date.now();
const out = await runEvaluation(
  {
    format: 'recbole',
    models: ['mf'],
    maxMinutes: 20,
    registry: {
      ...MODEL_REGISTRY,
      mf: (ctx) => createEmbeddingModel({ numUsers: ctx.numUsers, numItems: ctx.numItems, features: null, config: ctx.config ?? {} }),
    },
  },
  {
    files: await nodeDatasetFiles('/work/shared/data/ml-100k'),
    prepareBackend: () => prepareNodeBackend(backend),
    onProgress: (p) => { if (p.step % 50 === 0) process.stderr.write(`${p.stage} ${p.step}/${p.total} ${((Date.now()-t)/1000).toFixed(0)}s\n`); },
    log: (l) => process.stderr.write(l + '\n'),
  },
);
console.log(formatTable(out));
