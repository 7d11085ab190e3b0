/** Timing helpers shared by the in-page suites. */

export const now = (): number => performance.now();

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Deterministic fast uniform floats in [-scale, scale) (xorshift32), so data setup stays cheap. */
export function syntheticFloats(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  const k = (2 * scale) / 4294967296;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) * k - scale;
  }
  return out;
}

export function syntheticInts(n: number, range: number, seed: number): Int32Array {
  const out = new Int32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) % range;
  }
  return out;
}

/** Yield to the event loop (lets the page stay responsive and the GC run between reps). */
export const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
