/** A small line chart of training loss (one point per loss readback), drawn as inline SVG. */
export function LossChart({ values, label }: { values: readonly number[]; label: string }) {
  const width = 240;
  const height = 64;
  if (values.length < 2) {
    return <p className="muted small">{values.length ? `loss ${values[0]!.toFixed(3)}` : 'No loss readings yet.'}</p>;
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const points = values
    .map((v, i) => `${((i / (values.length - 1)) * width).toFixed(1)},${(height - 4 - ((v - min) / span) * (height - 8)).toFixed(1)}`)
    .join(' ');
  return (
    <figure className="loss-chart">
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label}>
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth="2" />
      </svg>
      <figcaption className="muted small">
        loss {values[0]!.toFixed(3)} → {values.at(-1)!.toFixed(3)}
      </figcaption>
    </figure>
  );
}
