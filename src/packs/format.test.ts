import { describe, expect, it } from 'vitest';
import {
  checkPackMatchesCatalog,
  decodePack,
  embeddingWeightsFromPack,
  encodePack,
  PackError,
  packTensors,
  packWeights,
  type PackManifestInput,
  type WeightsLike,
} from './format';

const f32 = (...xs: number[]) => Float32Array.from(xs).buffer;

function manifest(overrides: Partial<PackManifestInput> = {}): PackManifestInput {
  return {
    createdAt: '2025-01-01T00:00:00.000Z',
    catalog: { id: 'tiny@1', items: 3 },
    itemIds: ['a', 'b', 'c'],
    models: [
      { name: 'embedding', weightsFormat: 'burrow-embedding/1', config: { dim: 2 }, configHash: 'emb-1', featuresHash: 'f-1' },
      { name: 'sasrec', weightsFormat: 'burrow-sasrec/1', config: { dim: 2 }, configHash: 'sasrec-1' },
    ],
    training: { source: 'test', description: 'unit test', users: 5, interactions: 20, licence: 'CC0' },
    metrics: { hr: 0.5 },
    ...overrides,
  };
}

const embedding: WeightsLike = {
  format: 'burrow-embedding/1',
  configHash: 'emb-1',
  tensors: {
    'item/residual': { shape: [3, 2], dtype: 'float32', data: f32(1, 2, 3, 4, 5, 6) },
    // 1 element: the next tensor starts only after padding to 8 bytes
    'item/bias': { shape: [1, 1], dtype: 'float32', data: f32(7) },
  },
};
const sasrec: WeightsLike = {
  format: 'burrow-sasrec/1',
  configHash: 'sasrec-1',
  tensors: { 'item/embedding': { shape: [3, 1], dtype: 'float32', data: f32(-1, -2, -3) } },
};

const good = () => encodePack(manifest(), { embedding, sasrec });

/** Re-encodes a pack with its manifest JSON edited (keeps the data section). */
function withManifest(buffer: ArrayBuffer, edit: (m: Record<string, unknown>) => void): ArrayBuffer {
  const len = new DataView(buffer).getUint32(8, true);
  const json = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 12, len))) as Record<string, unknown>;
  edit(json);
  return rawPack(JSON.stringify(json), new Uint8Array(buffer, 12 + len));
}

function rawPack(manifestText: string, data: Uint8Array = new Uint8Array(0), magic = 'BURROWPK'): ArrayBuffer {
  const json = new TextEncoder().encode(manifestText);
  const padded = Math.ceil((12 + json.length) / 8) * 8 - 12;
  const out = new Uint8Array(12 + padded + data.length);
  out.set(new TextEncoder().encode(magic), 0);
  new DataView(out.buffer).setUint32(8, padded, true);
  out.fill(0x20, 12, 12 + padded);
  out.set(json, 12);
  out.set(data, 12 + padded);
  return out.buffer;
}

const expectPackError = (fn: () => unknown, message: RegExp) => {
  expect(fn).toThrow(PackError);
  expect(fn).toThrow(message);
};

describe('encodePack / decodePack', () => {
  it('round-trips the manifest and every tensor, 8-byte aligned', () => {
    const buffer = good();
    expect(new TextDecoder().decode(new Uint8Array(buffer, 0, 8))).toBe('BURROWPK');
    const pack = decodePack(buffer);
    expect(pack.dataStart % 8).toBe(0);
    const m = pack.manifest;
    expect(m.format).toBe('burrow-pack');
    expect(m.version).toBe(1);
    expect(m.itemIds).toEqual(['a', 'b', 'c']);
    expect(m.training.licence).toBe('CC0');
    expect(m.metrics).toEqual({ hr: 0.5 });
    for (const model of m.models) for (const t of Object.values(model.tensors)) expect(t.offset % 8).toBe(0);

    const emb = embeddingWeightsFromPack(pack);
    expect(emb.format).toBe('burrow-embedding/1');
    expect(emb.configHash).toBe('emb-1');
    expect(emb.featuresHash).toBe('f-1');
    expect(Object.keys(emb.tensors).sort()).toEqual(['item/bias', 'item/residual']);
    expect(Array.from(new Float32Array(emb.tensors['item/residual']!.data))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(emb.tensors['item/residual']!.shape).toEqual([3, 2]);
    expect(Array.from(new Float32Array(emb.tensors['item/bias']!.data))).toEqual([7]);

    const seq = packWeights(pack, 'sasrec');
    expect(seq).toMatchObject({ format: 'burrow-sasrec/1', configHash: 'sasrec-1' });
    expect(Array.from(new Float32Array(seq.tensors['item/embedding']!.data))).toEqual([-1, -2, -3]);
  });

  it('hands out copies, so importing models cannot write into the pack', () => {
    const pack = decodePack(good());
    new Float32Array(packTensors(pack, 'sasrec')['item/embedding']!.data)[0] = 99;
    expect(new Float32Array(packTensors(pack, 'sasrec')['item/embedding']!.data)[0]).toBe(-1);
  });

  it('names a model the pack does not have', () => {
    const pack = decodePack(encodePack(manifest({ models: [manifest().models[0]!] }), { embedding }));
    expectPackError(() => packWeights(pack, 'gru4rec'), /no "gru4rec" model \(it has embedding\)/);
  });

  it('refuses inconsistent input when encoding', () => {
    expectPackError(() => encodePack(manifest(), { embedding }), /no weights for model "sasrec"/);
    expectPackError(() => encodePack(manifest({ models: [manifest().models[0]!] }), { embedding, sasrec }), /does not list/);
    expectPackError(() => encodePack(manifest(), { embedding: { ...embedding, configHash: 'other' }, sasrec }), /configHash other/);
    expectPackError(() => encodePack(manifest({ itemIds: ['a', 'b'] }), { embedding, sasrec }), /2 item ids .* 3 items/);
    expectPackError(() => encodePack(manifest({ itemIds: ['a', 'b', 'a'] }), { embedding, sasrec }), /"a" appears at rows 0 and 2/);
    const badShape: WeightsLike = { tensors: { x: { shape: [4], dtype: 'float32', data: f32(1, 2, 3) } } };
    expectPackError(() => encodePack(manifest(), { embedding: badShape, sasrec }), /byteLength 12 does not match shape \[4\]/);
  });
});

describe('decodePack rejects malformed files', () => {
  it('wrong magic', () => {
    expectPackError(() => decodePack(rawPack('{}', undefined, 'PK\x03\x04ZIP')), /Not a Burrow pack: the file starts with/);
    expectPackError(() => decodePack(new TextEncoder().encode('{"format":"burrow-pack"}').buffer), /Not a Burrow pack/);
  });

  it('empty and truncated files', () => {
    expectPackError(() => decodePack(new ArrayBuffer(0)), /too short/);
    const full = good();
    expectPackError(() => decodePack(full.slice(0, 10)), /truncated: 10 bytes/);
    expectPackError(() => decodePack(full.slice(0, 40)), /truncated: its manifest needs/);
    expectPackError(() => decodePack(full.slice(0, full.byteLength - 4)), /truncated or corrupt: model "\w+" tensor/);
  });

  it('bad JSON and non-object manifests', () => {
    expectPackError(() => decodePack(rawPack('{"format": "burrow-pack", ')), /not valid UTF-8 JSON/);
    expectPackError(() => decodePack(rawPack('[1, 2]')), /not a JSON object/);
    const invalidUtf8 = new Uint8Array(rawPack('{"a":"xx"}'));
    invalidUtf8[18] = 0xff;
    expectPackError(() => decodePack(invalidUtf8.buffer), /not valid UTF-8 JSON/);
  });

  it('wrong format or version', () => {
    expectPackError(() => decodePack(withManifest(good(), (m) => (m.format = 'zip'))), /format is "zip"/);
    expectPackError(() => decodePack(withManifest(good(), (m) => (m.version = 2))), /version 2; this app reads version 1/);
  });

  it('schema violations, naming the field', () => {
    expectPackError(() => decodePack(withManifest(good(), (m) => delete m.training)), /manifest\.training/);
    expectPackError(() => decodePack(withManifest(good(), (m) => (m.itemIds = 'abc'))), /manifest\.itemIds/);
    expectPackError(() => decodePack(withManifest(good(), (m) => (m.models = []))), /manifest\.models/);
    expectPackError(
      () => decodePack(withManifest(good(), (m) => ((m.models as { name: string }[])[0]!.name = 'bert'))),
      /manifest\.models\[0\]\.name/,
    );
    expectPackError(
      () => decodePack(withManifest(good(), (m) => ((m.models as { weightsFormat: string }[])[1]!.weightsFormat = 'burrow-gru4rec/1'))),
      /"sasrec" has weights format "burrow-gru4rec\/1"/,
    );
    expectPackError(() => decodePack(withManifest(good(), (m) => (m.catalog = { id: 'x', items: 4 }))), /3 item ids but says the catalog has 4/);
  });

  it('offsets out of range, misaligned or overlapping', () => {
    type M = { models: { tensors: Record<string, { offset: number; byteLength: number; shape: number[] }> }[] };
    const tensorOf = (m: Record<string, unknown>) => (m as unknown as M).models[1]!.tensors['item/embedding']!;
    expectPackError(() => decodePack(withManifest(good(), (m) => (tensorOf(m).offset = 1 << 20))), /truncated or corrupt: model "sasrec"/);
    expectPackError(() => decodePack(withManifest(good(), (m) => (tensorOf(m).offset = -8))), /offset/);
    expectPackError(() => decodePack(withManifest(good(), (m) => (tensorOf(m).offset = 4))), /not 8-byte aligned/);
    expectPackError(() => decodePack(withManifest(good(), (m) => (tensorOf(m).offset = 0))), /overlaps/);
    expectPackError(() => decodePack(withManifest(good(), (m) => (tensorOf(m).byteLength = 8))), /byteLength 8 does not match/);
  });
});

describe('checkPackMatchesCatalog', () => {
  const pack = decodePack(good());
  const items = (...ids: string[]) => ids.map((id) => ({ id }));

  it('accepts the catalog the pack was built for', () => {
    expect(() => checkPackMatchesCatalog(pack, { id: 'tiny@1', items: items('a', 'b', 'c') })).not.toThrow();
  });

  it('names both catalogs when the ids differ', () => {
    expectPackError(
      () => checkPackMatchesCatalog(pack, { id: 'movies@2', items: items('a', 'b', 'c', 'd') }),
      /This pack was built for catalog "tiny@1" \(3 items\); the app runs "movies@2" \(4 items\)/,
    );
  });

  it('names the first differing row', () => {
    expectPackError(() => checkPackMatchesCatalog(pack, { id: 'tiny@1', items: items('a', 'x', 'c') }), /row 1 is "b" in the pack but "x" in the catalog/);
    expectPackError(() => checkPackMatchesCatalog(pack, { id: 'tiny@1', items: items('a', 'b') }), /row 2 is "c" in the pack but nothing/);
    expectPackError(() => checkPackMatchesCatalog(pack, { id: 'tiny@1', items: items('a', 'b', 'c', 'd') }), /row 3 is nothing \(the pack is shorter\)/);
  });
});
