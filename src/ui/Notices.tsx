import type { Notice } from './session';
import { useSession, useSessionState } from './useSession';

function NoticeList({ notices }: { notices: Notice[] }) {
  const session = useSession();
  return notices.map((n) => (
    <p key={n.id} className={`notice ${n.tone}`} data-testid="notice">
      <span>
        {n.text}
        {n.count > 1 ? <span className="notice-count" aria-label={`${n.count} times`}> ×{n.count}</span> : null}
      </span>
      <button type="button" className="ghost small" onClick={() => session.dismiss(n.id)} aria-label="Dismiss message">
        ×
      </button>
    </p>
  ));
}

/**
 * Messages for the user: errors are announced assertively, the rest politely. The stack sits in
 * the corner, never wider than a card, and lets clicks through between its messages; repeats
 * merge (see addNotice) and every message can be dismissed.
 */
export function Notices() {
  const { notices } = useSessionState();
  return (
    <div className="notices">
      <div role="alert">
        <NoticeList notices={notices.filter((n) => n.tone === 'error')} />
      </div>
      <div aria-live="polite">
        <NoticeList notices={notices.filter((n) => n.tone === 'info')} />
      </div>
    </div>
  );
}
