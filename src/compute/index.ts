/** Public API of src/compute. */
export {
  initBackend,
  probeEnvironment,
  activeGPUDevice,
  type BackendInfo,
  type DeviceLostInfo,
  type InitBackendOptions,
} from './backend';
export {
  planBackends,
  explainOutcome,
  isSoftwareAdapter,
  isSoftwareWebGL,
  BACKEND_CHAIN,
  type AdapterSummary,
  type Attempt,
  type BackendName,
  type BackendPlan,
  type BackendPreference,
  type BackendProbe,
} from './backend-plan';
