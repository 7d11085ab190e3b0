/**
 * Which errors mean "this compute backend is broken", as opposed to bad input or a domain rule.
 * A broken backend is worth a restart further down the chain (webgpu → webgl → wasm → cpu); a bad
 * pack or a full disk is not, and restarting would only hide it.
 *
 * The worker owns this rule: its handler marks faults, and its main-thread client restarts the
 * engine on them (the client must stay TF.js-free, so it cannot import src/compute's index).
 */

/** The name a backend failure carries across the worker boundary. */
export const BACKEND_FAULT = 'BackendFault';

const FAULT_MESSAGES = [
  /out of memory/i,
  /failed to allocate/i,
  /allocation failed/i,
  /device (was |is )?lost/i,
  /context (was |is )?lost/i,
  /GPUValidationError|GPUOutOfMemoryError|GPUInternalError/,
  /RuntimeError: (unreachable|memory access out of bounds)/i,
  /Aborted\(/,
  /Failed to compile (fragment|vertex|compute)? ?shader/i,
];

/** Names of errors our own code throws for bad input: never a backend fault. */
const DOMAIN_ERRORS = new Set(['StoreError', 'CatalogError', 'PackError', 'ImportError', 'ModelError', 'ValidationError', 'ZodError']);

export function isBackendFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === BACKEND_FAULT) return true;
  if (DOMAIN_ERRORS.has(error.name)) return false;
  if (error instanceof WebAssembly.RuntimeError) return true;
  const text = `${error.name}: ${error.message}`;
  return FAULT_MESSAGES.some((pattern) => pattern.test(text));
}

/** The same error, marked so the UI's client knows to restart the engine on another backend. */
export function asBackendFault(error: Error, backend: string): Error {
  const fault = new Error(`${backend}: ${error.message}`);
  fault.name = BACKEND_FAULT;
  return fault;
}
