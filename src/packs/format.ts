/**
 * The base-pack file format (`*.burrowpack`): the item-side weights a new user starts from, in ONE
 * binary file so the app fetches, caches and checks a single thing.
 *
 * Layout (all integers little-endian):
 *
 *   bytes 0..7    magic "BURROWPK"
 *   bytes 8..11   u32 manifest length L (bytes, including trailing space padding)
 *   bytes 12..    manifest JSON, UTF-8, space-padded so the data section starts on an 8-byte boundary
 *   12 + L ..     data section: the tensors' raw bytes, each at an 8-byte aligned `offset` relative
 *                 to the start of the data section, `byteLength` long
 *
 * The manifest says what the weights are (model, config, hashes), which catalog rows they belong
 * to (`itemIds`), and where they came from (`training`, with its licence), so the app can refuse a
 * pack that does not fit its catalog with a clear message instead of a shape error deep in TF.js.
 *
 * DOM-free and Node-free (the app's worker and the CLI share it), and TF.js-free: the tensors are
 * the weight container of src/common (SerializedWeights), byte for byte.
 */
import { z } from 'zod';
import { capMessage, quote, WEIGHTS_FORMATS, type NamedTensors, type SerializedWeights, type WeightsHeader } from '../common';

export const PACK_MAGIC = 'BURROWPK';
export const PACK_FORMAT = 'burrow-pack';
export const PACK_VERSION = 1;
export const PACK_EXTENSION = '.burrowpack';
/** magic (8) + manifest length (4) */
const HEADER_BYTES = 12;
/** Tensor data alignment: lets a reader view the data without copying (float32 needs 4; 8 leaves room for 64-bit dtypes). */
const ALIGN = 8;

export const PACK_MODEL_NAMES = ['embedding', 'sasrec', 'gru4rec'] as const;
export type PackModelName = (typeof PACK_MODEL_NAMES)[number];

const BYTES_PER_ELEMENT = { float32: 4, int32: 4 } as const;
export type PackDtype = keyof typeof BYTES_PER_ELEMENT;

/** Thrown for every problem with a pack file or with a pack/catalog pairing; the message is for people. */
export class PackError extends Error {
  override name = 'PackError';
  constructor(message: string) {
    // Messages may quote the file: capped, so no file makes a message unreadable.
    super(capMessage(message));
  }
}

const nonNegativeInt = z.number().int().nonnegative();

const tensorEntrySchema = z.object({
  shape: z.array(nonNegativeInt),
  dtype: z.enum(['float32', 'int32']),
  offset: nonNegativeInt,
  byteLength: nonNegativeInt,
});

const modelEntrySchema = z.object({
  name: z.enum(PACK_MODEL_NAMES),
  weightsFormat: z.string().min(1),
  /** the model's resolved config (the app re-creates the model from it) */
  config: z.record(z.string(), z.unknown()),
  configHash: z.string().min(1),
  /** hash of the content-tower feature vocabulary (embedding only; null without content tower) */
  featuresHash: z.string().nullable().optional(),
  tensors: z.record(z.string(), tensorEntrySchema),
});

const manifestSchema = z.object({
  format: z.literal(PACK_FORMAT),
  version: z.literal(PACK_VERSION),
  /** ISO 8601 */
  createdAt: z
    .string()
    .min(1)
    .refine((t) => Number.isFinite(Date.parse(t)), 'is not a date (ISO 8601 expected)'),
  /**
   * "sha256:<64 hex digits>" of the whole data section (every tensor's bytes and the padding
   * between them). Optional to the structural decoder; openPack, which the app uses, requires it.
   */
  weightsDigest: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" and 64 lowercase hex digits')
    .optional(),
  catalog: z.object({ id: z.string().min(1), items: nonNegativeInt }),
  /** pack row -> catalog item id */
  itemIds: z.array(z.string().min(1)),
  models: z.array(modelEntrySchema).min(1),
  training: z.object({
    source: z.string(),
    description: z.string(),
    users: nonNegativeInt,
    interactions: nonNegativeInt,
    licence: z.string().min(1),
  }),
  metrics: z.record(z.string(), z.unknown()),
  /**
   * Where a new user's For you blend starts (ranking/hybrid.ts), learned on users of the pack's own
   * logs held out of its training. Absent (synthetic packs): the app's PRIOR_WEIGHTS. The weights
   * are checked again where they are used (parseHybridWeights), so a pack from a newer signal set
   * falls back to the app's prior instead of failing.
   */
  blendPrior: z
    .object({
      weights: z.record(z.string(), z.number()),
      /** the cut-off the examples were taken at, e.g. "first session" */
      setting: z.string(),
      users: nonNegativeInt,
      targets: nonNegativeInt,
      /**
       * How hard each user's own fit of the blend is pulled back to these weights (the l2 of
       * ranking's HISTORY_FIT), learned on the same users (chooseHistoryL2); null: users are not
       * refitted at all. Absent: the app's HISTORY_FIT.
       */
      historyL2: z.number().positive().finite().nullable().optional(),
      metrics: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

export type PackTensorEntry = z.output<typeof tensorEntrySchema>;
export type PackModelEntry = z.output<typeof modelEntrySchema>;
export type PackManifest = z.output<typeof manifestSchema>;

/** What encodePack takes: the manifest without the byte layout, which encodePack works out. */
export type PackManifestInput = Omit<PackManifest, 'models' | 'format' | 'version'> & {
  models: Omit<PackModelEntry, 'tensors'>[];
};

/** What encodePack writes of a model: its named tensors, and its header when it has one (checked against the manifest). */
export type WeightsLike = Partial<WeightsHeader> & { tensors: NamedTensors };

export interface DecodedPack {
  manifest: PackManifest;
  /** the whole file */
  buffer: ArrayBuffer;
  /** byte offset of the data section in `buffer` */
  dataStart: number;
}

const elementCount = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${quote(String(p), 40).replace(/^"(.*)"$/, '$1')}`)).join('');
  return `${path === '' ? 'manifest' : `manifest${path}`}: ${issue.message}`;
}

/**
 * Checks what zod cannot: counts agree, ids are unique, model names are unique and carry their
 * format, tensor byte lengths match their shapes, tensors are aligned and do not overlap.
 */
function checkManifestConsistency(m: PackManifest): void {
  if (m.itemIds.length !== m.catalog.items) {
    throw new PackError(`Pack manifest lists ${m.itemIds.length} item ids but says the catalog has ${m.catalog.items} items`);
  }
  const seen = new Map<string, number>();
  m.itemIds.forEach((id, row) => {
    const first = seen.get(id);
    if (first !== undefined) throw new PackError(`Pack manifest: item id ${quote(id)} appears at rows ${first} and ${row}`);
    seen.set(id, row);
  });
  const names = new Set<string>();
  const spans: { start: number; end: number; what: string }[] = [];
  for (const model of m.models) {
    if (names.has(model.name)) throw new PackError(`Pack manifest lists model "${model.name}" twice`);
    names.add(model.name);
    const expected = WEIGHTS_FORMATS[model.name];
    if (model.weightsFormat !== expected) {
      throw new PackError(`Pack model "${model.name}" has weights format ${quote(model.weightsFormat)}; this app reads "${expected}"`);
    }
    for (const [tensor, t] of Object.entries(model.tensors)) {
      const what = `model "${model.name}" tensor ${quote(tensor)}`;
      const bytes = elementCount(t.shape) * BYTES_PER_ELEMENT[t.dtype];
      if (t.byteLength !== bytes) {
        throw new PackError(`Pack ${what}: byteLength ${t.byteLength} does not match shape [${t.shape.join(', ')}] ${t.dtype} (${bytes} bytes)`);
      }
      if (t.offset % ALIGN !== 0) throw new PackError(`Pack ${what}: offset ${t.offset} is not ${ALIGN}-byte aligned`);
      spans.push({ start: t.offset, end: t.offset + t.byteLength, what });
    }
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (cur.start < prev.end && cur.end > cur.start) throw new PackError(`Pack ${cur.what} overlaps ${prev.what}`);
  }
}

/**
 * Writes a pack: lays the tensors out (8-byte aligned, in manifest model order then tensor name
 * order), fills in offsets, validates the result exactly as decodePack would, and returns the file.
 * @param weightsByModel each manifest model's tensors (e.g. the model's exportWeights() result)
 */
export function encodePack(manifest: PackManifestInput, weightsByModel: Partial<Record<PackModelName, WeightsLike>>): ArrayBuffer {
  const extra = Object.keys(weightsByModel).filter((name) => !manifest.models.some((m) => m.name === name));
  if (extra.length) throw new PackError(`encodePack: weights given for ${extra.join(', ')}, which the manifest does not list`);
  let cursor = 0;
  /** end of the last tensor: the file ends there (no trailing padding, so any cut is detectable) */
  let end = 0;
  const placed: { data: ArrayBuffer; offset: number }[] = [];
  const models: PackModelEntry[] = manifest.models.map((model) => {
    const weights = weightsByModel[model.name];
    if (!weights) throw new PackError(`encodePack: no weights for model "${model.name}"`);
    if (weights.format !== undefined && weights.format !== model.weightsFormat) {
      throw new PackError(`encodePack: model "${model.name}" weights are "${weights.format}", the manifest says "${model.weightsFormat}"`);
    }
    if (weights.configHash !== undefined && weights.configHash !== model.configHash) {
      throw new PackError(`encodePack: model "${model.name}" weights have configHash ${weights.configHash}, the manifest says ${model.configHash}`);
    }
    const tensors: Record<string, PackTensorEntry> = {};
    for (const name of Object.keys(weights.tensors).sort()) {
      const t = weights.tensors[name]!;
      const byteLength = t.data.byteLength;
      tensors[name] = { shape: [...t.shape], dtype: t.dtype, offset: cursor, byteLength };
      placed.push({ data: t.data, offset: cursor });
      end = cursor + byteLength;
      cursor = alignUp(end);
    }
    return { ...model, tensors };
  });
  const full: PackManifest = { ...manifest, format: PACK_FORMAT, version: PACK_VERSION, models };
  const parsed = manifestSchema.safeParse(full);
  if (!parsed.success) throw new PackError(`encodePack: ${describeIssue(parsed.error.issues[0]!)}`);
  checkManifestConsistency(parsed.data);

  const json = new TextEncoder().encode(JSON.stringify(full));
  // pad the manifest with spaces (still valid JSON) so the data section starts 8-byte aligned
  const manifestBytes = alignUp(HEADER_BYTES + json.length) - HEADER_BYTES;
  const dataStart = HEADER_BYTES + manifestBytes;
  const out = new Uint8Array(dataStart + end);
  out.set(new TextEncoder().encode(PACK_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, manifestBytes, true);
  out.set(json, HEADER_BYTES);
  out.fill(0x20, HEADER_BYTES + json.length, dataStart);
  for (const { data, offset } of placed) out.set(new Uint8Array(data), dataStart + offset);
  return out.buffer;
}

/** Reads and validates a pack; throws PackError saying what is wrong with the file. */
export function decodePack(buffer: ArrayBuffer): DecodedPack {
  if (!(buffer instanceof ArrayBuffer)) throw new PackError('decodePack: expected an ArrayBuffer');
  const bytes = new Uint8Array(buffer);
  if (bytes.length < PACK_MAGIC.length) {
    throw new PackError(`Not a Burrow pack: the file is ${bytes.length} bytes long, too short even for the "${PACK_MAGIC}" header (truncated?)`);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, PACK_MAGIC.length));
  if (magic !== PACK_MAGIC) {
    throw new PackError(`Not a Burrow pack: the file starts with ${quote(magic)} instead of "${PACK_MAGIC}"`);
  }
  if (bytes.length < HEADER_BYTES) throw new PackError(`The pack is truncated: ${bytes.length} bytes, the header alone needs ${HEADER_BYTES}`);
  const manifestBytes = new DataView(buffer).getUint32(8, true);
  const dataStart = HEADER_BYTES + manifestBytes;
  if (dataStart > bytes.length) {
    throw new PackError(`The pack is truncated: its manifest needs bytes 12..${dataStart}, the file has ${bytes.length}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES, dataStart)));
  } catch (error) {
    throw new PackError(`The pack manifest is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
  const envelope = json as { format?: unknown; version?: unknown } | null;
  if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) {
    throw new PackError('The pack manifest is not a JSON object');
  }
  if (envelope.format !== PACK_FORMAT) throw new PackError(`The pack manifest format is ${quote(envelope.format)}, expected "${PACK_FORMAT}"`);
  if (envelope.version !== PACK_VERSION) {
    throw new PackError(`The pack is version ${quote(envelope.version)}; this app reads version ${PACK_VERSION} (update the app, or rebuild the pack)`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new PackError(`Invalid pack ${describeIssue(parsed.error.issues[0]!)}`);
  const manifest = parsed.data;
  checkManifestConsistency(manifest);
  const dataBytes = bytes.length - dataStart;
  for (const model of manifest.models) {
    for (const [name, t] of Object.entries(model.tensors)) {
      if (t.offset + t.byteLength > dataBytes) {
        throw new PackError(
          `The pack is truncated or corrupt: model "${model.name}" tensor ${quote(name)} needs data bytes ${t.offset}..${t.offset + t.byteLength}, ` +
            `the file holds ${dataBytes}`,
        );
      }
    }
  }
  const end = dataEnd(manifest);
  if (dataBytes > end) {
    throw new PackError(`The pack has ${dataBytes - end} unexpected trailing bytes after its last tensor (corrupt, or another file appended)`);
  }
  return { manifest, buffer, dataStart };
}

/** Where the data section must end: after the last tensor's bytes. */
function dataEnd(manifest: PackManifest): number {
  let end = 0;
  for (const model of manifest.models) for (const t of Object.values(model.tensors)) end = Math.max(end, t.offset + t.byteLength);
  return end;
}

const subtle = (): SubtleCrypto => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new PackError('This browser offers no SubtleCrypto (it needs a secure context: https or localhost), so the pack cannot be checked');
  return s;
};

/** "sha256:<hex>" of a pack's data section (SubtleCrypto, so the browser's own implementation). */
export async function weightsDigestOf(buffer: ArrayBuffer, dataStart: number): Promise<string> {
  const hash = new Uint8Array(await subtle().digest('SHA-256', new Uint8Array(buffer, dataStart)));
  return `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Checks the manifest's weightsDigest against the data. A pack without one is refused: the
 * digest is what tells damaged weights from good ones, and every pack Burrow builds carries it.
 */
export async function verifyPackDigest(pack: DecodedPack): Promise<void> {
  const expected = pack.manifest.weightsDigest;
  if (expected === undefined) {
    throw new PackError(
      'The pack has no weights checksum (manifest.weightsDigest): it was built by an older Burrow, or edited. ' +
        'Rebuild it with "npm run pack", or seal it with "npx tsx scripts/seal-pack.ts <file>"',
    );
  }
  const actual = await weightsDigestOf(pack.buffer, pack.dataStart);
  if (actual !== expected) {
    throw new PackError('The pack is damaged: its weights do not match their checksum (manifest.weightsDigest)');
  }
}

/** What the app does with a pack file: decodePack, then verifyPackDigest. */
export async function openPack(buffer: ArrayBuffer): Promise<DecodedPack> {
  const pack = decodePack(buffer);
  await verifyPackDigest(pack);
  return pack;
}

/** encodePack, with the manifest's weightsDigest computed over the data it writes. */
export async function encodeSealedPack(
  manifest: PackManifestInput,
  weightsByModel: Partial<Record<PackModelName, WeightsLike>>,
): Promise<ArrayBuffer> {
  const { weightsDigest: _ignored, ...rest } = manifest;
  void _ignored;
  // The data section does not depend on the manifest, so the unsealed file's data is the sealed one's.
  const unsealed = encodePack(rest, weightsByModel);
  const { dataStart } = decodePack(unsealed);
  return encodePack({ ...rest, weightsDigest: await weightsDigestOf(unsealed, dataStart) }, weightsByModel);
}

/** The same pack with another manifest (same models and tensors, byte for byte), sealed anew. */
export async function withManifest(pack: DecodedPack, manifest: PackManifestInput): Promise<ArrayBuffer> {
  const weights: Partial<Record<PackModelName, WeightsLike>> = {};
  for (const model of pack.manifest.models) {
    weights[model.name] = packWeights(pack, model.name);
  }
  return encodeSealedPack(manifest, weights);
}

/** A decoded pack's manifest as encodePack takes it (no layout, no digest): for re-encoding a pack. */
export function manifestInputOf(manifest: PackManifest): PackManifestInput {
  const { format: _f, version: _v, weightsDigest: _d, models, ...rest } = manifest;
  void _f;
  void _v;
  void _d;
  return { ...rest, models: models.map(({ tensors: _t, ...m }) => (void _t, m)) };
}

/** The smallest view of a catalog the check needs (a `Catalog` from src/catalog fits). */
export interface CatalogLike {
  id: string;
  items: readonly { id: string }[];
}

/**
 * Throws PackError unless the pack's rows are exactly the catalog's items, in order: model rows are
 * catalog indices, so any other pairing would silently recommend the wrong items.
 */
export function checkPackMatchesCatalog(pack: DecodedPack, catalog: CatalogLike): void {
  const m = pack.manifest;
  if (m.catalog.id !== catalog.id) {
    throw new PackError(
      `This pack was built for catalog ${quote(m.catalog.id)} (${m.catalog.items} items); the app runs "${catalog.id}" (${catalog.items.length} items)`,
    );
  }
  const n = Math.max(m.itemIds.length, catalog.items.length);
  for (let row = 0; row < n; row++) {
    const packId = m.itemIds[row];
    const catalogId = catalog.items[row]?.id;
    if (packId !== catalogId) {
      const p = packId === undefined ? 'nothing (the pack is shorter)' : quote(packId);
      const c = catalogId === undefined ? 'nothing (the catalog is shorter)' : quote(catalogId);
      throw new PackError(
        `This pack's items do not match catalog "${catalog.id}": row ${row} is ${p} in the pack but ${c} in the catalog ` +
          `(pack ${m.itemIds.length} items, catalog ${catalog.items.length})`,
      );
    }
  }
}

/** The manifest entry of one model; throws PackError naming the models the pack does have. */
export function packModel(pack: DecodedPack, name: PackModelName): PackModelEntry {
  const entry = pack.manifest.models.find((m) => m.name === name);
  if (!entry) {
    throw new PackError(`This pack has no "${name}" model (it has ${pack.manifest.models.map((m) => m.name).join(', ')})`);
  }
  return entry;
}

export function packHasModel(pack: DecodedPack, name: PackModelName): boolean {
  return pack.manifest.models.some((m) => m.name === name);
}

/** A model's tensors as separate ArrayBuffers (copies: the models' importWeights want whole buffers). */
export function packTensors(pack: DecodedPack, name: PackModelName): NamedTensors {
  const entry = packModel(pack, name);
  const tensors: NamedTensors = {};
  for (const [tensor, t] of Object.entries(entry.tensors)) {
    const start = pack.dataStart + t.offset;
    tensors[tensor] = { shape: [...t.shape], dtype: t.dtype, data: pack.buffer.slice(start, start + t.byteLength) };
  }
  return tensors;
}

/** A model's weights as its importWeights takes them: the header from the manifest, the tensors copied out. */
export function packWeights(pack: DecodedPack, name: PackModelName): SerializedWeights {
  const entry = packModel(pack, name);
  // decodePack checked that entry.weightsFormat is this model's format
  return { format: WEIGHTS_FORMATS[name], configHash: entry.configHash, featuresHash: entry.featuresHash ?? null, tensors: packTensors(pack, name) };
}

/** The embedding model's item-side weights (a base pack carries no user vectors). */
export function embeddingWeightsFromPack(pack: DecodedPack): SerializedWeights {
  return packWeights(pack, 'embedding');
}
