/** A small line chart (mean with a 95% band per series) as standalone SVG, for benchmark reports. */
export interface ChartSeries {
  readonly label: string;
  readonly points: readonly { x: number; mean: number; ci95: number }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
const WIDTH = 420;
const HEIGHT = 280;
const MARGIN = { left: 56, right: 12, top: 28, bottom: 40 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One panel; `lineChartGrid` places several side by side. */
function panel(title: string, xLabel: string, yLabel: string, series: readonly ChartSeries[], offsetX: number): string {
  const all = series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.mean)));
  const xs = all.map((p) => p.x);
  const lows = all.map((p) => p.mean - (Number.isFinite(p.ci95) ? p.ci95 : 0));
  const highs = all.map((p) => p.mean + (Number.isFinite(p.ci95) ? p.ci95 : 0));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = [Math.min(...lows), Math.max(...highs)];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => offsetX + MARGIN.left + ((Math.log(x) - Math.log(xMin)) / (Math.log(xMax) - Math.log(xMin) || 1)) * plotW;
  const sy = (y: number) => MARGIN.top + (1 - (y - yMin) / (yMax - yMin || 1)) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => yMin + f * (yMax - yMin));
  const parts = [
    `<text x="${offsetX + WIDTH / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect x="${offsetX + MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    ...ticks.map(
      (t) => `<text x="${offsetX + MARGIN.left - 4}" y="${sy(t) + 4}" text-anchor="end" font-size="10">${t.toFixed(2)}</text>`,
    ),
    ...[...new Set(xs)].map(
      (x) => `<text x="${sx(x)}" y="${HEIGHT - MARGIN.bottom + 14}" text-anchor="middle" font-size="10">${x}</text>`,
    ),
    `<text x="${offsetX + MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle" font-size="11">${escapeXml(xLabel)}</text>`,
    `<text x="${offsetX + 12}" y="${MARGIN.top + plotH / 2}" font-size="11" transform="rotate(-90 ${offsetX + 12} ${MARGIN.top + plotH / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.points.filter((p) => Number.isFinite(p.mean));
    const ci = (p: { ci95: number }) => (Number.isFinite(p.ci95) ? p.ci95 : 0);
    const band = [...points.map((p) => `${sx(p.x)},${sy(p.mean + ci(p))}`), ...[...points].reverse().map((p) => `${sx(p.x)},${sy(p.mean - ci(p))}`)];
    parts.push(`<polygon points="${band.join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(`<polyline points="${points.map((p) => `${sx(p.x)},${sy(p.mean)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(
      `<text x="${offsetX + MARGIN.left + 6}" y="${MARGIN.top + 14 + i * 13}" font-size="10" fill="${color}">${escapeXml(s.label)}</text>`,
    );
  });
  return parts.join('\n');
}

export function lineChartGrid(
  panels: readonly { title: string; xLabel: string; yLabel: string; series: readonly ChartSeries[] }[],
): string {
  const body = panels.map((p, i) => panel(p.title, p.xLabel, p.yLabel, p.series, i * WIDTH)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH * panels.length}" height="${HEIGHT}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
