import { orientedScore } from '../../search/summaries.js';
import type { TrialRecord } from '../../search/records.js';
import type { Objective } from '../../search/spec.js';

/**
 * Lineage as the dashboard draws it: trials whose architecture was derived from another trial's
 * (mutation in regularized evolution, a network morphism) as a forest, parents left of their children.
 */

export interface PlacedTrial {
  readonly trial: TrialRecord;
  /** Centre of the trial's box. */
  readonly x: number;
  readonly y: number;
}

export interface PlacedDerivation {
  readonly from: number;
  readonly to: number;
  /** The edit that derived the child, in the space's words. */
  readonly change: string;
  /** SVG path data from the parent's right side to the child's left side. */
  readonly path: string;
  /** Where the change is written (its text ends there): just above the curve, before the child's box. */
  readonly labelX: number;
  readonly labelY: number;
}

export interface LineageLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedTrial[];
  readonly edges: readonly PlacedDerivation[];
}

export const LINEAGE_NODE_WIDTH = 84;
export const LINEAGE_NODE_HEIGHT = 34;
/** Room between generations for a change such as `op of edge 1-3: skip_connect -> nor_conv_3x3`. */
const GENERATION_GAP = 200;
const ROW_GAP = 46;
const MARGIN = 12;
const LABEL_INSET = 7;

/** The trials a lineage drawing can show: those derived from another trial, and those others derived from. */
function lineageMembers(trials: readonly TrialRecord[]): TrialRecord[] {
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const parents = new Set(trials.flatMap((t) => (t.parent && byNumber.has(t.parent.trialNumber) ? [t.parent.trialNumber] : [])));
  return trials.filter((t) => t.parent || parents.has(t.number));
}

/**
 * The trials to draw, at most `maxNodes`: every member of the lineage when that many fit; otherwise the
 * ancestries of the best trials, best first, as many whole ancestries as fit. `total` counts all members.
 */
export function selectLineage(trials: readonly TrialRecord[], objective: Objective, maxNodes: number): { trials: TrialRecord[]; total: number } {
  const members = lineageMembers(trials);
  if (members.length <= maxNodes) return { trials: members, total: members.length };
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const ranked = members
    .flatMap((trial) => {
      const score = orientedScore(trial, objective);
      return score === undefined ? [] : [{ trial, score }];
    })
    .sort((a, b) => b.score - a.score || a.trial.number - b.trial.number);
  const chosen = new Map<number, TrialRecord>();
  for (const { trial } of ranked) {
    const ancestry: TrialRecord[] = [];
    // Parents have smaller numbers (they finished before their child was proposed), which also rules out cycles.
    for (let t: TrialRecord | undefined = trial; t && !chosen.has(t.number); t = t.parent && t.parent.trialNumber < t.number ? byNumber.get(t.parent.trialNumber) : undefined) {
      ancestry.push(t);
    }
    // The best trial's ancestry alone may be longer than fits: then its nearest ancestors only.
    if (chosen.size === 0) ancestry.splice(maxNodes);
    if (chosen.size + ancestry.length > maxNodes) break;
    for (const t of ancestry) chosen.set(t.number, t);
  }
  return { trials: [...chosen.values()].sort((a, b) => a.number - b.number), total: members.length };
}

/**
 * A layered tree drawing, left to right: a trial one generation right of its parent; leaves on successive
 * rows in trial-number order (depth first), each parent level with the middle of its children, so subtrees
 * never overlap. A trial whose parent is not drawn (or not earlier) starts a tree of its own.
 */
export function layoutLineage(trials: readonly TrialRecord[]): LineageLayout {
  const sorted = [...trials].sort((a, b) => a.number - b.number);
  const shown = new Set(sorted.map((t) => t.number));
  const parentOf = (t: TrialRecord) => (t.parent && t.parent.trialNumber < t.number && shown.has(t.parent.trialNumber) ? t.parent.trialNumber : undefined);
  const children = new Map<number, TrialRecord[]>();
  for (const trial of sorted) {
    const parent = parentOf(trial);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), trial]);
  }
  const placed = new Map<number, PlacedTrial>();
  let nextRow = 0;
  let generations = 0;
  const place = (trial: TrialRecord, generation: number): number => {
    const kids = children.get(trial.number) ?? [];
    const rows = kids.map((kid) => place(kid, generation + 1));
    const row = rows.length ? (rows[0]! + rows.at(-1)!) / 2 : nextRow++;
    generations = Math.max(generations, generation + 1);
    placed.set(trial.number, {
      trial,
      x: MARGIN + LINEAGE_NODE_WIDTH / 2 + generation * (LINEAGE_NODE_WIDTH + GENERATION_GAP),
      y: MARGIN + LINEAGE_NODE_HEIGHT / 2 + row * ROW_GAP,
    });
    return row;
  };
  for (const root of sorted.filter((t) => parentOf(t) === undefined)) place(root, 0);

  const edges = sorted.flatMap((trial): PlacedDerivation[] => {
    const parent = parentOf(trial);
    if (parent === undefined) return [];
    const from = placed.get(parent)!;
    const to = placed.get(trial.number)!;
    const start = { x: from.x + LINEAGE_NODE_WIDTH / 2, y: from.y };
    const end = { x: to.x - LINEAGE_NODE_WIDTH / 2, y: to.y };
    const reach = (end.x - start.x) / 2;
    return [
      {
        from: parent,
        to: trial.number,
        change: trial.parent!.change,
        path: `M${start.x} ${start.y}C${start.x + reach} ${start.y} ${end.x - reach} ${end.y} ${end.x} ${end.y}`,
        // Just above the curve's end: siblings' curves fan out from one point but arrive a row apart.
        labelX: end.x - LABEL_INSET,
        labelY: end.y - LABEL_INSET,
      },
    ];
  });
  return {
    width: 2 * MARGIN + generations * LINEAGE_NODE_WIDTH + Math.max(0, generations - 1) * GENERATION_GAP,
    height: 2 * MARGIN + LINEAGE_NODE_HEIGHT + Math.max(0, nextRow - 1) * ROW_GAP,
    nodes: sorted.map((t) => placed.get(t.number)!),
    edges,
  };
}
