import type { ComputeStatus as ComputeStatusInfo } from '../worker';
import { useSessionState } from './useSession';

/** Which TF.js backend and GPU adapter run the models, and why. */
export function ComputeStatus() {
  const { compute, computeError } = useSessionState();
  const adapter = compute?.adapter;
  const adapterText = adapter
    ? `${adapter.vendor || 'unknown vendor'}${adapter.architecture ? ` ${adapter.architecture}` : ''}${adapter.isFallbackAdapter ? ' (software)' : ''}`
    : null;
  return (
    <div className="compute" role="status" aria-label="Compute backend" title={compute?.reason}>
      <span className={`dot ${compute ? 'ok' : computeError ? 'bad' : 'wait'}`} aria-hidden="true" />
      {compute ? (
        <span>
          Computing on <strong data-testid="backend">{compute.backend}</strong>
          {compute.wasm && <span className="muted"> ({wasmText(compute.wasm)})</span>}
          {adapterText && <span className="muted"> · GPU: {adapterText}</span>}
          <span className="sr-only">. {compute.reason}</span>
        </span>
      ) : computeError ? (
        <span>Recommender unavailable</span>
      ) : (
        <span>Starting compute…</span>
      )}
    </div>
  );
}

function wasmText(wasm: NonNullable<ComputeStatusInfo['wasm']>): string {
  const threads = wasm.threads && (wasm.numThreads ?? 1) > 1 ? `${wasm.numThreads} threads` : 'one thread';
  return `${threads}${wasm.simd ? ', SIMD' : ''}`;
}
