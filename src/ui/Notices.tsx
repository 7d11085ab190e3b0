import { useSession, useSessionState } from './useSession';

/** Messages for the user: errors are announced assertively, the rest politely. */
export function Notices() {
  const session = useSession();
  const { notices } = useSessionState();
  const errors = notices.filter((n) => n.tone === 'error');
  const infos = notices.filter((n) => n.tone === 'info');
  return (
    <div className="notices">
      <div role="alert">
        {errors.map((n) => (
          <p key={n.id} className="notice error">
            {n.text}
            <button type="button" className="ghost small" onClick={() => session.dismiss(n.id)} aria-label="Dismiss message">
              ×
            </button>
          </p>
        ))}
      </div>
      <div aria-live="polite">
        {infos.map((n) => (
          <p key={n.id} className="notice info">
            {n.text}
            <button type="button" className="ghost small" onClick={() => session.dismiss(n.id)} aria-label="Dismiss message">
              ×
            </button>
          </p>
        ))}
      </div>
    </div>
  );
}
