/**
 * Orders per day per channel as an SVG drawn on the server: stacked bars, axes with labels and a
 * legend, no script. Channel names are text nodes like everything else, so they are escaped.
 */

export const PALETTE = ["#2457c5", "#e07b1a", "#2b9a66", "#b23a8a", "#6c4ad0", "#c4a21b", "#1b9bb0", "#8a8f98"];

export interface ChartSeries {
  name: string;
  /** One count per day, oldest first, as many as `days`. */
  counts: number[];
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_MS = 86_400_000;

export const dayLabel = (day: number) => {
  const date = new Date(day * DAY_MS);
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
};

/** A round step for about four gridlines: 1, 2, 5, 10, 20, 50, … */
export function niceStep(max: number): number {
  const rough = Math.max(max / 4, 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= rough) return factor * power;
  return 10 * power;
}

const WIDTH = 960;
const LEFT = 44;
const RIGHT = 12;
const TOP = 12;
const PLOT_HEIGHT = 220;
const AXIS = 28;
const LEGEND_ROW = 22;

/** `days` are day numbers since the epoch (UTC), oldest first. */
export function OrdersChart(props: { days: number[]; series: ChartSeries[]; title: string }) {
  const { days, series } = props;
  const totals = days.map((_, index) => series.reduce((sum, entry) => sum + (entry.counts[index] ?? 0), 0));
  const step = niceStep(Math.max(...totals, 1));
  const top = Math.max(step, Math.ceil(Math.max(...totals, 1) / step) * step);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const band = plotWidth / Math.max(days.length, 1);
  const barWidth = Math.max(2, band * 0.7);
  const y = (value: number) => TOP + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT;
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, index) => index * step);

  // The legend wraps into rows under the axis.
  const legend: Array<{ x: number; row: number; name: string; color: string }> = [];
  let x = LEFT;
  let row = 0;
  series.forEach((entry, index) => {
    const width = 28 + Math.min(entry.name.length, 40) * 7.2;
    if (x + width > WIDTH - RIGHT && x > LEFT) {
      x = LEFT;
      row++;
    }
    legend.push({ x, row, name: entry.name.length > 40 ? `${entry.name.slice(0, 39)}…` : entry.name, color: PALETTE[index % PALETTE.length] });
    x += width + 12;
  });
  const legendTop = TOP + PLOT_HEIGHT + AXIS + 8;
  const height = legendTop + (series.length ? (row + 1) * LEGEND_ROW : 0) + 4;

  return (
    <svg viewBox={`0 0 ${WIDTH} ${height}`} width={WIDTH} height={height} role="img" aria-labelledby="orders-chart-title" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">
      <title id="orders-chart-title">{props.title}</title>
      {ticks.map((tick) => (
        <g>
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(tick)} y2={y(tick)} stroke={tick === 0 ? "#5b6475" : "#e3e7ee"} stroke-width="1" />
          <text x={LEFT - 6} y={y(tick) + 4} text-anchor="end" fill="#5b6475">
            {String(tick)}
          </text>
        </g>
      ))}
      <text x={12} y={TOP + PLOT_HEIGHT / 2} transform={`rotate(-90 12 ${TOP + PLOT_HEIGHT / 2})`} text-anchor="middle" fill="#5b6475">
        orders
      </text>
      {days.map((day, index) => {
        let base = 0;
        const left = LEFT + index * band + (band - barWidth) / 2;
        const labelled = (days.length - 1 - index) % 7 === 0;
        if (!labelled && totals[index] === 0) return null;
        return (
          <g>
            {series.map((entry, seriesIndex) => {
              const count = entry.counts[index] ?? 0;
              if (count === 0) return null;
              const rect = (
                <rect x={left.toFixed(1)} y={y(base + count).toFixed(1)} width={barWidth.toFixed(1)} height={(y(base) - y(base + count)).toFixed(1)} fill={PALETTE[seriesIndex % PALETTE.length]}>
                  <title>{`${entry.name}: ${count} ${count === 1 ? "order" : "orders"} on ${dayLabel(day)}`}</title>
                </rect>
              );
              base += count;
              return rect;
            })}
            {labelled ? (
              <text x={(left + barWidth / 2).toFixed(1)} y={TOP + PLOT_HEIGHT + 18} text-anchor="middle" fill="#5b6475">
                {dayLabel(day)}
              </text>
            ) : null}
          </g>
        );
      })}
      {legend.map((item) => (
        <g>
          <rect x={item.x} y={legendTop + item.row * LEGEND_ROW} width="14" height="14" rx="2" fill={item.color} />
          <text x={item.x + 20} y={legendTop + item.row * LEGEND_ROW + 11} fill="#1d2330">
            {item.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
