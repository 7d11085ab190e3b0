/**
 * Issue 13, pack side: the weights checksum, trailing bytes, a createdAt that is not a date,
 * capped messages, and a property test: random mutations of a real pack are refused with a short
 * message, or decode to exactly the same pack.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_LIMIT } from '../common';
import {
  decodePack,
  encodePack,
  encodeSealedPack,
  manifestInputOf,
  openPack,
  PackError,
  packTensors,
  type PackManifestInput,
  type WeightsLike,
} from './format';

const f32 = (...xs: number[]) => Float32Array.from(xs).buffer;

const manifest = (over: Partial<PackManifestInput> = {}): PackManifestInput => ({
  createdAt: '2025-01-01T00:00:00.000Z',
  catalog: { id: 'tiny@1', items: 3 },
  itemIds: ['a', 'b', 'c'],
  models: [
    { name: 'embedding', weightsFormat: 'burrow-embedding/1', config: { dim: 2 }, configHash: 'emb-1', featuresHash: 'f-1' },
    { name: 'sasrec', weightsFormat: 'burrow-sasrec/1', config: { dim: 2 }, configHash: 'sasrec-1' },
  ],
  training: { source: 'test', description: 'unit test', users: 5, interactions: 20, licence: 'CC0' },
  metrics: { hr: 0.5 },
  ...over,
});

const weights: Record<'embedding' | 'sasrec', WeightsLike> = {
  embedding: {
    tensors: {
      'item/residual': { shape: [3, 2], dtype: 'float32', data: f32(1, 2, 3, 4, 5, 6) },
      'item/bias': { shape: [3, 1], dtype: 'float32', data: f32(7, 8, 9) },
    },
  },
  sasrec: { tensors: { 'item/embedding': { shape: [3, 1], dtype: 'float32', data: f32(-1, -2, -3) } } },
};

const sealed = () => encodeSealedPack(manifest(), weights);

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(PackError);
    return (error as Error).message;
  }
  throw new Error('expected the pack to be refused');
}

const dataStartOf = (buffer: ArrayBuffer) => decodePack(buffer).dataStart;

describe('weights checksum and trailing bytes (item 7)', () => {
  it('a sealed pack opens, and its tensors are the ones written', async () => {
    const pack = await openPack(await sealed());
    expect(pack.manifest.weightsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Array.from(new Float32Array(packTensors(pack, 'embedding')['item/bias']!.data))).toEqual([7, 8, 9]);
  });

  it('sealing is deterministic', async () => {
    expect(new Uint8Array(await sealed())).toEqual(new Uint8Array(await sealed()));
  });

  it('refuses 16 flipped data bytes, naming the checksum', async () => {
    const buffer = await sealed();
    const bytes = new Uint8Array(buffer);
    const start = dataStartOf(buffer);
    for (let i = 0; i < 16; i++) bytes[start + ((i * 7) % (bytes.length - start))]! ^= 0x5a;
    expect(await refusal(openPack(buffer))).toMatch(/do not match their checksum/);
  });

  it('refuses 1 KB of trailing garbage', async () => {
    const buffer = await sealed();
    const longer = new Uint8Array(buffer.byteLength + 1024);
    longer.set(new Uint8Array(buffer));
    longer.fill(0xab, buffer.byteLength);
    expect(await refusal(openPack(longer.buffer))).toMatch(/1024 unexpected trailing bytes/);
  });

  it('refuses a pack without a checksum (an older build), saying how to fix it', async () => {
    expect(await refusal(openPack(encodePack(manifest(), weights)))).toMatch(/no weights checksum.*npm run pack/);
  });

  it('refuses a checksum that is not a sha256 digest', () => {
    expect(() => encodePack(manifest({ weightsDigest: 'md5:abc' }), weights)).toThrow(/weightsDigest: must be "sha256:"/);
  });
});

describe('createdAt (item 8)', () => {
  it('"not a date" is refused at decode, so no "Built: Invalid Date" can be shown', async () => {
    expect(await refusal(encodeSealedPack(manifest({ createdAt: 'not a date' }), weights))).toMatch(/createdAt: is not a date/);
  });
});

describe('messages stay short (item 5)', () => {
  it('a 3 MB format field gives a short message', async () => {
    const buffer = await sealed();
    const bytes = new Uint8Array(buffer);
    const len = new DataView(buffer).getUint32(8, true);
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + len))) as Record<string, unknown>;
    json.format = 'x'.repeat(3_000_000);
    const text = new TextEncoder().encode(JSON.stringify(json));
    const padded = Math.ceil((12 + text.length) / 8) * 8 - 12;
    const out = new Uint8Array(12 + padded + bytes.length - 12 - len);
    out.set(bytes.subarray(0, 8));
    new DataView(out.buffer).setUint32(8, padded, true);
    out.fill(0x20, 12, 12 + padded);
    out.set(text, 12);
    out.set(bytes.subarray(12 + len), 12 + padded);
    const message = await refusal(openPack(out.buffer));
    expect(message).toMatch(/manifest format is "xxx/);
    expect(message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });
});

describe('property: a mutated pack is refused with a short message, or is the same pack', () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

  function mutate(original: Uint8Array, m: Mutation): Uint8Array {
    const n = original.length;
    switch (m.kind) {
      case 'flip': {
        const out = original.slice();
        out[m.at % n]! ^= m.xor;
        return out;
      }
      case 'cut':
        return original.slice(0, m.at % n);
      case 'append': {
        const out = new Uint8Array(n + m.bytes.length);
        out.set(original);
        out.set(m.bytes, n);
        return out;
      }
      case 'insert': {
        const at = m.at % n;
        const out = new Uint8Array(n + m.bytes.length);
        out.set(original.subarray(0, at));
        out.set(m.bytes, at);
        out.set(original.subarray(at), at + m.bytes.length);
        return out;
      }
      case 'overwrite': {
        const out = original.slice();
        out.set(m.bytes.subarray(0, Math.max(0, n - (m.at % n))), m.at % n);
        return out;
      }
    }
  }

  it('holds for 400 random mutations (nothing thrown but a PackError)', async () => {
    const original = new Uint8Array(await sealed());
    const reference = await openPack(original.slice().buffer);
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const bytes = mutations.reduce(mutate, original);
        let pack;
        try {
          pack = await openPack(bytes.slice().buffer);
        } catch (error) {
          expect(error).toBeInstanceOf(PackError);
          expect((error as Error).message.length).toBeLessThanOrEqual(MESSAGE_LIMIT);
          return;
        }
        // accepted: the weights are the original's byte for byte (the checksum covers them), and
        // the pack round-trips: re-encoding what was decoded gives the same pack again. (Edits of
        // the manifest's free text, like a flipped letter of its description, may be accepted:
        // the checksum covers the weights, and fit is checked against the catalog and model.)
        for (const model of ['embedding', 'sasrec'] as const) {
          const a = packTensors(pack, model);
          const b = packTensors(reference, model);
          expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
          for (const name of Object.keys(b)) expect(new Uint8Array(a[name]!.data)).toEqual(new Uint8Array(b[name]!.data));
        }
        const again = await openPack(
          await encodeSealedPack(manifestInputOf(pack.manifest), {
            embedding: { tensors: packTensors(pack, 'embedding') },
            sasrec: { tensors: packTensors(pack, 'sasrec') },
          }),
        );
        expect(again.manifest).toEqual(pack.manifest);
      }),
      { numRuns: 400, seed: 13 },
    );
  });
});
