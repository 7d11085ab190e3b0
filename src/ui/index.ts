/** Public API of src/ui, for the page entry (src/main.tsx): the React app and its session. */
export { App } from './App';
export { BurrowSession, type SessionOptions, type SessionState } from './session';
export { registerOffline } from './offline';
