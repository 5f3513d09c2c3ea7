/** The dashboard's whole stylesheet, served as a file so that the Content-Security-Policy can forbid inline styles. */
export const STYLESHEET = `
:root {
  --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --panel: #ffffff; --page: #f6f7f9;
  --accent: #2563eb; --good: #15803d; --bad: #b91c1c; --warn: #b45309;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--page);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .id, .arch { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
h1 { font-size: 22px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
h3 { font-size: 12px; margin: 0 0 4px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 24px 48px; }
.topbar { display: flex; align-items: center; justify-content: space-between; padding: 10px 24px; background: #111827; }
.topbar a, .topbar .link { color: #e5e7eb; }
.brand { font-weight: 700; letter-spacing: .02em; }
nav { display: flex; gap: 18px; align-items: center; }
nav form { margin: 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.muted, .hint { color: var(--muted); font-weight: normal; }
.id { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); font-size: 12px; }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { padding: 7px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
th { background: #f9fafb; font-size: 12px; color: var(--muted); font-weight: 600; }
th a { color: inherit; }
th[aria-sort] a { color: var(--ink); }
tbody tr:last-child td { border-bottom: none; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.arch { max-width: 420px; overflow: hidden; text-overflow: ellipsis; font-size: 12px; }
td.value { max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
td progress { display: block; width: 90px; margin-left: auto; }
progress { height: 6px; width: 100%; accent-color: var(--good); }
.status { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 700; letter-spacing: .03em; background: #e5e7eb; color: #374151; }
.status-running, .status-pending { background: #dbeafe; color: #1d4ed8; }
.status-succeeded { background: #dcfce7; color: var(--good); }
.status-failed, .status-killed, .status-infeasible { background: #fee2e2; color: var(--bad); }
.status-stopping, .status-stale, .status-early_stopped { background: #fef3c7; color: var(--warn); }
.card h2:first-child { margin-top: 0; }
.card + h1 { margin-top: 24px; }
#new-search .fields { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 10px 14px; align-items: start; }
@media (max-width: 900px) { #new-search .fields { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
/* Level with the inputs, below a label's height, whatever errors grow under the fields. */
#new-search .submit { padding-top: 20px; }
.field { margin-bottom: 10px; }
#new-search .field { margin-bottom: 0; }
.field label { display: block; font-size: 12px; font-weight: 600; }
input, select { display: block; width: 100%; margin-top: 3px; padding: 6px 8px; font: inherit; font-weight: normal; border: 1px solid #d1d5db; border-radius: 6px; background: #fff; }
input[aria-invalid], select[aria-invalid] { border-color: var(--bad); background: #fef2f2; }
.field-error, .form-errors p { color: var(--bad); font-size: 12px; margin: 3px 0 0; }
button { font: inherit; font-weight: 600; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .6; cursor: default; }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; padding: 0; font-weight: normal; }
.sign-in { max-width: 420px; margin: 48px auto; }
.breadcrumb { margin: 0; color: var(--muted); }
dl.spec { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 8px 0 16px; }
dl.spec div { display: flex; gap: 6px; align-items: baseline; }
dl.spec dt { color: var(--muted); font-size: 12px; }
dl.spec dd { margin: 0; font-weight: 600; }
.status-line { display: flex; gap: 12px; align-items: center; margin-bottom: 12px; }
.status-line .status { font-size: 13px; padding: 3px 12px; }
.status-line button { margin-left: auto; }
.stats { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 14px; }
.stat p { margin: 2px 0; }
.big { font-size: 26px; font-weight: 700; font-variant-numeric: tabular-nums; }
.counters { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; color: var(--muted); }
.counters b { color: var(--ink); }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; margin-top: 14px; }
.chart { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 4px; }
.chart figcaption { font-weight: 600; font-size: 13px; }
.chart svg { width: 100%; height: auto; display: block; }
.chart text { font-size: 11px; fill: var(--muted); }
.chart .tick line { stroke: var(--line); }
.chart .axis-label { fill: var(--ink); }
.chart .trial-dots { stroke: #93c5fd; stroke-width: 5; stroke-linecap: round; fill: none; }
.chart .best-so-far { stroke: var(--accent); stroke-width: 2.5; fill: none; }
.pareto h2 { margin-top: 20px; }
.pareto .note { margin: 0 0 8px; }
.pareto-parts { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px; align-items: start; }
@media (max-width: 900px) { .pareto-parts { grid-template-columns: minmax(0, 1fr); } }
.front-table { max-height: 380px; overflow: auto; }
.front-table td.arch { max-width: 200px; }
.chart .dominated { stroke: #d1d5db; stroke-width: 6; stroke-linecap: round; fill: none; }
.chart .front-line { stroke: var(--accent); stroke-width: 1.5; stroke-dasharray: 4 3; fill: none; }
.chart .front circle { fill: var(--accent); stroke: #fff; stroke-width: 1.5; }
.chart .front circle.pinned { fill: #fff; stroke: var(--accent); stroke-width: 2; }
.legend { font-weight: normal; color: var(--muted); margin-left: 4px; }
.swatch { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-left: 8px; vertical-align: baseline; }
.front-swatch { background: var(--accent); }
.dominated-swatch { background: #d1d5db; }
.best-architecture { margin-top: 14px; }
.best-architecture h2 { margin-top: 0; }
.best-architecture .arch { font-size: 12px; color: var(--muted); word-break: break-all; }
.drawing { overflow-x: auto; }
svg.architecture { max-width: 100%; height: auto; display: block; }
.architecture .edge path { fill: none; stroke: #6b7280; stroke-width: 1.4; }
.architecture marker path { fill: #6b7280; }
.architecture .edge text { font-size: 11px; fill: #1d4ed8; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.architecture .node rect { fill: #eef2ff; stroke: #6366f1; }
.architecture .node text { font-size: 12px; font-weight: 600; fill: var(--ink); }
#trials tbody tr[data-href] { cursor: pointer; }
#trials tbody tr[data-href]:hover td { background: #f9fafb; }
.actions { margin: -6px 0 12px; font-size: 13px; }
#learning-curves .charts { margin-top: 0; }
.chart .curve .line { stroke: #cbd5e1; stroke-width: 1.5; stroke-linecap: round; stroke-linejoin: round; fill: none; }
.chart .curve.early-stopped .line { stroke: #fcd34d; }
.chart .curve .stop-mark { stroke: var(--warn); stroke-width: 2; fill: none; }
.chart .curve.highlighted .line { stroke: var(--accent); stroke-width: 3; }
.chart a:hover .curve .line { stroke: #64748b; }
.highlight-swatch { background: var(--accent); }
.lineage { margin-top: 14px; }
.lineage .note { margin: 0 0 8px; }
svg.lineage-graph { max-width: 100%; height: auto; display: block; }
.lineage-graph .derivation path { fill: none; stroke: #9ca3af; stroke-width: 1.4; }
.lineage-graph marker path { fill: #9ca3af; }
.lineage-graph .derivation text { font-size: 10px; fill: #1d4ed8; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
.lineage-trial rect { fill: #f3f4f6; stroke: #9ca3af; }
.lineage-trial.status-succeeded rect { fill: #eef2ff; stroke: #6366f1; }
.lineage-trial.status-early_stopped rect, .lineage-trial.status-failed rect { fill: #fff7ed; stroke: var(--warn); }
.lineage-trial.best rect { fill: var(--accent); stroke: var(--accent); }
.lineage-trial text { font-size: 11px; fill: var(--ink); }
.lineage-trial .trial-number { font-weight: 700; }
.lineage-trial.best text { fill: #fff; }
td.parent a { font-variant-numeric: tabular-nums; }
.trial-parts { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 14px; align-items: start; }
@media (max-width: 900px) { .trial-parts { grid-template-columns: minmax(0, 1fr); } }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); font-size: 12px; padding-top: 1px; }
dl.facts dd { margin: 0; }
dl.facts ul { margin: 0; padding-left: 18px; }
table.metrics th { width: 50%; background: none; color: var(--ink); font-weight: normal; font-size: 13px; }
.trial-parts table.metrics { border: none; }
table.metrics tbody tr:last-child th { border-bottom: none; }
.export { font-size: 13px; }
.predict-fields { display: grid; grid-template-columns: 2fr 1fr 1fr; gap: 10px 14px; }
.predict-fields .field:nth-child(n+4) { grid-column: 1 / -1; }
textarea { display: block; width: 100%; margin-top: 3px; padding: 6px 8px; font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; border: 1px solid #d1d5db; border-radius: 6px; resize: vertical; }
textarea[aria-invalid] { border-color: var(--bad); background: #fef2f2; }
#predictions { margin-top: 14px; }
#prediction-table td.arch { max-width: 640px; }
#prediction-table .prediction-error td { background: #fef2f2; }
`;
