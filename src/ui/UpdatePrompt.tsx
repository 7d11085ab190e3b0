import { useSession, useSessionState } from './useSession';

/** Offered when a new build of Burrow is installed; the page reloads only if the user agrees. */
export function UpdatePrompt() {
  const session = useSession();
  const { applyUpdate } = useSessionState();
  if (!applyUpdate) return null;
  return (
    <div className="update-prompt" role="alertdialog" aria-label="Update available" aria-describedby="update-text">
      <p id="update-text">A new version of Burrow is ready. Your data stays as it is.</p>
      <button type="button" onClick={applyUpdate}>
        Reload to update
      </button>
      <button type="button" className="secondary" onClick={() => session.declineUpdate()}>
        Later
      </button>
    </div>
  );
}
