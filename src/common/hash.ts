/**
 * FNV-1a, 32 bits, over the UTF-16 code units of a string: enough to tell versions and configs
 * apart, not a security hash. `seed` is xor-ed into the offset basis, so two passes with different
 * seeds give a 64-bit id; seed 0 is plain FNV-1a.
 */
export function fnv1a32(text: string, seed = 0): string {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
