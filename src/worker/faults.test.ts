import { describe, expect, it } from 'vitest';
import { asBackendFault, BACKEND_FAULT, isBackendFault } from './faults';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('isBackendFault', () => {
  it('recognises what broken backends throw', () => {
    expect(isBackendFault(new Error('Failed to allocate 268435456 bytes: out of memory'))).toBe(true);
    expect(isBackendFault(new Error('Aborted(RuntimeError: unreachable)'))).toBe(true);
    expect(isBackendFault(new WebAssembly.RuntimeError('memory access out of bounds'))).toBe(true);
    expect(isBackendFault(new Error('WebGL context was lost.'))).toBe(true);
    expect(isBackendFault(named(BACKEND_FAULT, 'anything'))).toBe(true);
  });

  it('leaves bad input and domain errors alone', () => {
    expect(isBackendFault(named('StoreError', 'storage is full (out of memory on disk)'))).toBe(false);
    expect(isBackendFault(named('PackError', 'item/bias has shape [1,3199]'))).toBe(false);
    expect(isBackendFault(new Error('The engine is not initialised yet.'))).toBe(false);
    // a bug of ours, not the backend's: restarting elsewhere would hide it
    expect(isBackendFault(new TypeError("Cannot read properties of undefined (reading 'backend')"))).toBe(false);
    expect(isBackendFault('out of memory')).toBe(false);
  });

  it('marks a fault with the backend it happened on', () => {
    const fault = asBackendFault(new Error('out of memory'), 'webgl');
    expect(fault.name).toBe(BACKEND_FAULT);
    expect(fault.message).toBe('webgl: out of memory');
  });
});
