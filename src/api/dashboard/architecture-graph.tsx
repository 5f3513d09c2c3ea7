import type { ArchitectureGraph } from '../../spaces/space.js';
import { layoutGraph, NODE_HEIGHT } from './graph-layout.js';

/** An architecture as an SVG drawing: boxes for nodes, arrows labelled with their operation. */
export function ArchitectureDrawing({ graph, title }: { graph: ArchitectureGraph; title: string }) {
  const layout = layoutGraph(graph);
  return (
    <svg class="architecture" viewBox={`0 0 ${layout.width} ${layout.height}`} width={layout.width} role="img" aria-label={title}>
      <defs>
        <marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0 0L10 5L0 10z" />
        </marker>
      </defs>
      {layout.edges.map((edge) => (
        <g class="edge">
          <path d={edge.path} marker-end="url(#arrowhead)" />
          {edge.label && (
            <text x={edge.labelX.toFixed(1)} y={edge.labelY.toFixed(1)} text-anchor="middle">
              {edge.label}
            </text>
          )}
        </g>
      ))}
      {layout.nodes.map((node) => (
        <g class="node">
          <rect x={node.x - node.width / 2} y={node.y - NODE_HEIGHT / 2} width={node.width} height={NODE_HEIGHT} rx="6" />
          <text x={node.x} y={node.y} dy="0.35em" text-anchor="middle">
            {node.label}
          </text>
        </g>
      ))}
    </svg>
  );
}
