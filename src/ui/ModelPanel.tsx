import type { ModelStatus } from '../worker';
import { LossChart } from './LossChart';
import { AUTO_TRAIN_AFTER } from './session';
import { useSession, useSessionState } from './useSession';

/** The personal model: when it was trained, live progress, loss curve, train now / cancel. */
export function ModelPanel() {
  const session = useSession();
  const { model, training, events, compute } = useSessionState();
  if (!model || !compute) return null;
  const isTraining = model.state === 'training';
  const newEvents = Math.max(0, events.length - model.trainedOnEvents);
  const share = training && training.totalSteps ? training.step / training.totalSteps : 0;

  return (
    <section className="panel model" aria-labelledby="model-heading">
      <div className="panel-head">
        <h2 id="model-heading">Your model</h2>
        <div className="data-actions tight">
          {isTraining ? (
            <button type="button" onClick={() => void session.cancelTraining()}>
              Cancel training
            </button>
          ) : (
            <button type="button" onClick={() => void session.train('manual')} disabled={events.length === 0}>
              Train now
            </button>
          )}
        </div>
      </div>
      <div className="model-body">
        <div>
          <p data-testid="model-status">
            {isTraining
              ? 'Training on this device…'
              : model.trainedAt
                ? `Model trained at ${new Date(model.trainedAt).toLocaleTimeString()} on ${model.trainedOnEvents} events, in ${model.seconds?.toFixed(1)} s (${model.steps} steps on ${model.backend}).`
                : 'No model trained yet: recommendations blend popularity, content similarity and the base pack.'}
          </p>
          {isTraining && (
            <progress
              max={1}
              value={share}
              aria-label="Training progress"
              aria-valuetext={training ? `step ${training.step} of ${training.totalSteps}` : 'starting'}
            />
          )}
          {!isTraining && (
            <p className="muted small">
              {newEvents > 0
                ? `${newEvents} new event(s) since the last training; each one is folded in instantly, and a full fine-tune starts on its own after ${AUTO_TRAIN_AFTER}.`
                : 'Up to date with your history.'}
            </p>
          )}
          <BlendWeights blend={model.blend} />
        </div>
        <LossChart values={training?.lossCurve ?? model.lossCurve} label="Training loss over the last run" />
      </div>
    </section>
  );
}

const SIGNAL_LABELS: Record<string, string> = {
  personal: 'your embedding',
  content: 'content',
  sequence: 'sequence',
  era: 'era (years you like)',
  popularity: 'popularity',
  quality: 'ratings',
};

/** For you's blend weights, as the engine uses them now. */
function BlendWeights({ blend }: { blend: ModelStatus['blend'] }) {
  const entries = Object.entries(blend.weights);
  return (
    <div className="small" data-testid="blend-weights">
      <p className="muted">
        {blend.learned
          ? `For you blends, with weights learned on your own likes (${blend.likes} so far, each against your taste just before it):`
          : blend.prior === 'pack'
            ? "For you blends, with the base pack's starting weights (learned on its own users; yours from your second like on):"
            : 'For you blends, with starting weights (yours from your second like on):'}
      </p>
      <ul className="blend-weights">
        {entries.map(([signal, weight]) => (
          <li key={signal}>
            {SIGNAL_LABELS[signal] ?? signal} <strong>{weight.toFixed(2)}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}
