import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineFusedOp, fusedOps } from './registry';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** An op whose kernels claim to support configurations with n <= 4 on any backend. */
function op(autoNeedsValidation = false) {
  return defineFusedOp<{ n: number }, () => string>({
    name: `test op ${autoNeedsValidation}`,
    requirement: 'n <= 4',
    supported: ({ n }) => n <= 4,
    key: ({ n }) => String(n),
    probe: () => [],
    autoNeedsValidation,
    fused: () => 'fused',
    stock: () => 'stock',
  });
}

describe('the fused-op registry', () => {
  it('resolves one vocabulary the same way for every op', async () => {
    const a = op();
    expect(fusedOps()).toContain(a);
    expect(a.choose('stock', { n: 1 })).toBe('stock');
    expect(a.implementation('auto', { n: 1 })()).toBe('fused'); // supported, not failed
    expect(a.implementation('auto', { n: 9 })()).toBe('stock'); // unsupported
    expect(a.choose('fused', { n: 1 })).toBe('fused');
    expect(() => a.choose('fused', { n: 9 })).toThrow(/fused test op false kernels cannot run here: they need n <= 4 \(backend cpu\)/);
    // validation needs a WebGPU device: off webgpu nothing is validated or remembered
    expect(await a.validate({ n: 1 })).toBe(false);
    expect(a.status({ n: 1 })).toBe('unchecked');
  });

  it('runs an op that needs validation only once it passed', async () => {
    const b = op(true);
    expect(b.choose('auto', { n: 1 })).toBe('stock');
    expect(await b.chooseValidated('auto', { n: 1 })).toBe('stock');
    expect(b.choose('fused', { n: 1 })).toBe('fused');
  });
});
