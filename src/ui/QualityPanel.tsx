import type { QualityRecord } from '../worker';
import { useSessionState } from './useSession';

const LABELS: Record<string, string> = {
  popularity: 'Popularity',
  content: 'Content baseline',
  embedding: 'Your embedding model',
  blend: 'Blend (embedding + content)',
};
const COLORS: Record<string, string> = { popularity: '#9e9e9e', content: '#c48a3a', embedding: '#8a5a2b', blend: '#2e7d32' };

/** NDCG@10 of each ranker across training rounds, as a small multi-line SVG chart. */
function QualityChart({ history }: { history: readonly QualityRecord[] }) {
  const width = 320;
  const height = 90;
  const models = Object.keys(history.at(-1)?.metrics ?? {});
  const max = Math.max(0.05, ...history.flatMap((r) => Object.values(r.metrics).map((m) => m['NDCG@10'])));
  const x = (i: number) => (history.length === 1 ? width / 2 : (i / (history.length - 1)) * (width - 8) + 4);
  const y = (v: number) => height - 6 - (v / max) * (height - 12);
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label="NDCG@10 of each model over training rounds">
      <line x1="0" x2={width} y1={height - 6} y2={height - 6} stroke="#e6ddd1" />
      {models.map((model) => {
        const points = history
          .map((r, i) => (r.metrics[model] ? `${x(i).toFixed(1)},${y(r.metrics[model]!['NDCG@10']).toFixed(1)}` : null))
          .filter(Boolean)
          .join(' ');
        return (
          <g key={model} stroke={COLORS[model] ?? '#555'} fill={COLORS[model] ?? '#555'}>
            <polyline points={points} fill="none" strokeWidth="2" />
            {history.map((r, i) =>
              r.metrics[model] ? <circle key={i} cx={x(i)} cy={y(r.metrics[model]!['NDCG@10'])} r="2.5" /> : null,
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** How well each ranker predicted the user's own most recent likes, computed on this device. */
export function QualityPanel() {
  const { quality } = useSessionState();
  const latest = quality.at(-1);
  return (
    <section className="panel" aria-labelledby="quality-heading">
      <h2 id="quality-heading">Model quality</h2>
      {!latest ? (
        <p className="empty">
          After a training round with at least three likes or good ratings, Burrow hides your most recent ones from the
          model and checks whether each ranker would have found them. The scores appear here, computed on this device.
        </p>
      ) : (
        <div className="model-body">
          <table className="quality">
            <caption className="muted small">
              Last round: {latest.heldOut} most recent positive(s) held out, {new Date(latest.at).toLocaleString()}
            </caption>
            <thead>
              <tr>
                <th scope="col">Ranker</th>
                <th scope="col">HR@10</th>
                <th scope="col">NDCG@10</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(latest.metrics).map(([model, m]) => (
                <tr key={model}>
                  <th scope="row">
                    <span className="swatch" style={{ background: COLORS[model] ?? '#555' }} aria-hidden="true" />
                    {LABELS[model] ?? model}
                  </th>
                  <td>{m['HR@10'].toFixed(2)}</td>
                  <td>{m['NDCG@10'].toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <figure className="loss-chart">
            <QualityChart history={quality} />
            <figcaption className="muted small">NDCG@10 over {quality.length} training round(s)</figcaption>
          </figure>
        </div>
      )}
    </section>
  );
}
