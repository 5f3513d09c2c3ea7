import type { Axis } from './chart-geometry.js';

/** Where a chart draws: its SVG size and the room its margins leave for tick and axis labels. */
export interface ChartFrame {
  readonly width: number;
  readonly height: number;
  readonly margin: { readonly top: number; readonly right: number; readonly bottom: number; readonly left: number };
}

interface ChartAxesProps {
  readonly frame: ChartFrame;
  readonly xAxis?: Axis;
  readonly yAxis?: Axis;
  /** Data value to SVG coordinate, as text. */
  readonly px: (value: number) => string;
  readonly py: (value: number) => string;
  readonly xLabel: string;
  readonly yLabel: string;
}

/** The grid lines and labels every dashboard chart shares: horizontal lines at the value ticks, labelled axes. */
export function ChartAxes({ frame, xAxis, yAxis, px, py, xLabel, yLabel }: ChartAxesProps) {
  const { width, height, margin } = frame;
  return (
    <>
      {yAxis?.ticks.map((tick) => (
        <g class="tick">
          <line x1={margin.left} x2={width - margin.right} y1={py(tick)} y2={py(tick)} />
          <text x={margin.left - 6} y={py(tick)} dy="0.32em" text-anchor="end">
            {yAxis.format(tick)}
          </text>
        </g>
      ))}
      {xAxis?.ticks.map((tick) => (
        <text class="tick" x={px(tick)} y={height - margin.bottom + 16} text-anchor="middle">
          {xAxis.format(tick)}
        </text>
      ))}
      <text class="axis-label" x={(margin.left + width - margin.right) / 2} y={height - 6} text-anchor="middle">
        {xLabel}
      </text>
      <text class="axis-label" transform={`translate(14 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} text-anchor="middle">
        {yLabel}
      </text>
    </>
  );
}
