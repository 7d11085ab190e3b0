/**
 * Adds the weights checksum (manifest.weightsDigest, SHA-256) to a pack built before packs
 * carried one, without retraining: the pack is decoded and re-encoded by the app's own pack code
 * (encodeSealedPack), tensors and manifest otherwise unchanged, and the result checked with
 * openPack before it replaces the file.
 *
 *   npx tsx scripts/seal-pack.ts public/packs/default.burrowpack [--out other.burrowpack]
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { decodePack, manifestInputOf, openPack, packTensors, withManifest } from '../src/packs/format';

export async function sealPack(file: ArrayBuffer): Promise<ArrayBuffer> {
  const pack = decodePack(file);
  const sealed = await withManifest(pack, manifestInputOf(pack.manifest));
  const check = await openPack(sealed);
  // the weights themselves must come through byte for byte
  for (const model of pack.manifest.models) {
    const before = packTensors(pack, model.name);
    const after = packTensors(check, model.name);
    for (const [name, t] of Object.entries(before)) {
      const a = new Uint8Array(t.data);
      const b = new Uint8Array(after[name]?.data ?? new ArrayBuffer(0));
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) throw new Error(`seal-pack: ${model.name} ${name} changed`);
    }
  }
  return sealed;
}

async function main(argv: string[]): Promise<void> {
  const [input, flag, outArg] = argv;
  if (!input || (flag !== undefined && flag !== '--out') || (flag === '--out' && !outArg)) {
    throw new Error('usage: npx tsx scripts/seal-pack.ts <pack> [--out <file>]');
  }
  const out = outArg ?? input;
  const b = await readFile(input);
  const sealed = await sealPack(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  const partial = `${out}.partial`;
  await writeFile(partial, new Uint8Array(sealed));
  await rename(partial, out);
  const { manifest } = decodePack(sealed);
  process.stdout.write(`${out}: ${sealed.byteLength} bytes, ${manifest.weightsDigest}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
