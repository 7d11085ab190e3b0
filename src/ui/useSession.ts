import { createContext, useContext, useSyncExternalStore } from 'react';
import type { BurrowSession, SessionState } from './session';

export const SessionContext = createContext<BurrowSession | null>(null);

export function useSession(): BurrowSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionContext>');
  return session;
}

export function useSessionState(): SessionState {
  const session = useSession();
  return useSyncExternalStore(session.subscribe, session.getState);
}
