/**
 * Runtime checks of every request the worker is sent, one schema per message kind of the
 * protocol. The compiler ties each schema to its request type (a schema that drifts from
 * protocol.ts does not compile); the handler checks each payload before the engine sees it, so a
 * malformed message is refused with the field named instead of failing somewhere inside.
 */
import { z } from 'zod';
import type { Catalog } from '../catalog';
import { EVENT_KINDS } from '../events';
import { SETTING_KEYS, type EngineProtocol } from './protocol';

const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
const count = z.number().int().positive().max(1000);
const unit = z.number().finite().optional();
/** The catalog was parsed and validated by the UI (catalog's parseCatalog); checked here for its shape only. */
const catalog = z.custom<Catalog>(
  (value) => typeof value === 'object' && value !== null && typeof (value as Catalog).id === 'string' && Array.isArray((value as Catalog).items),
  'not a catalog',
);

type RequestSchemas = { [K in keyof EngineProtocol]: z.ZodType<EngineProtocol[K]['request']> };

export const REQUEST_SCHEMAS = {
  open: z.object({ catalog, storeName: z.string().min(1) }),
  init: z.object({
    backend: z.enum(['auto', ...BACKENDS]),
    defaultPackUrl: z.string(),
    exclude: z.array(z.enum(BACKENDS)).optional(),
  }),
  record: z.object({
    uid: z.string().min(1),
    itemId: z.string().min(1),
    kind: z.enum(EVENT_KINDS),
    value: z.number().nullable(),
    session: z.string(),
    ts: z.number().nonnegative().optional(),
  }),
  exportLog: z.null(),
  importLog: z.object({ data: z.unknown() }),
  eraseAll: z.null(),
  saveSetting: z.object({ key: z.enum(SETTING_KEYS), value: z.unknown() }),
  recommend: z.object({ k: count, variety: unit, tail: unit, explore: z.boolean().optional() }),
  upNext: z.object({ k: count }),
  onboarding: z.object({ k: count }),
  packInfo: z.null(),
  loadPack: z.object({ data: z.instanceof(ArrayBuffer), fileName: z.string() }),
  train: z.object({ trigger: z.enum(['manual', 'auto']) }),
  cancelTraining: z.null(),
  modelStatus: z.null(),
  qualityHistory: z.null(),
  forgetModel: z.null(),
  backendName: z.null(),
  loseGpuDevice: z.null(),
  crashForDiagnostics: z.null(),
} satisfies RequestSchemas;

/** A request the protocol does not allow; crosses to the UI as its name and message. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** The payload, checked against its kind's schema; throws a ProtocolError naming the first bad field. */
export function checkRequest<K extends keyof EngineProtocol>(kind: K, payload: unknown): EngineProtocol[K]['request'] {
  const result = (REQUEST_SCHEMAS[kind] as z.ZodType<EngineProtocol[K]['request']>).safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.');
  throw new ProtocolError(`The "${String(kind)}" request is malformed${field ? ` (field "${field}")` : ''}: ${issue?.message ?? 'invalid'}.`);
}
