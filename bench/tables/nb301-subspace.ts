/**
 * Table `choices-nb301-sub`: a `choices` sub-space of the DARTS cell, every architecture evaluated with the
 * NAS-Bench-301 surrogate. DARTS-V2's genotype (Liu et al. 2019) is fixed except the normal cell's last two
 * nodes: which two earlier nodes node 4 reads (6 pairs; sep_conv_3x3 on the lower, skip_connect on the
 * higher, as in DARTS-V2), which two node 5 reads (10 pairs) and the operation on each of node 5's edges
 * (7 each): 6 x 10 x 7 x 7 = 2,940 architectures in 4 decisions of 6, 10, 7 and 7 options, unlike NB201's
 * 6 decisions of 5 operations. Generated on demand, never committed: its values are the surrogate's.
 */
import { NB301_MAX_EPOCH } from '../../src/evaluators/nb301-metrics.js';
import { loadNb301Surrogate } from '../../src/evaluators/nb301-surrogate.js';
import { countChoicesArchitectures, createChoicesSpace, type ChoicesArch, type ChoicesDeclarationInput } from '../../src/spaces/choices.js';
import { DARTS_OPERATIONS, type DartsCell, type DartsEdge, type DartsGenotype, type DartsOperation } from '../../src/spaces/darts.js';
import { enumerateSpace, subsetOf } from './enumerate.js';
import type { BuiltTable } from './table-files.js';

const inputPairs = (node: number) => Array.from({ length: node }, (_, low) => Array.from({ length: node - low - 1 }, (__, k) => `${low}_${low + k + 1}`)).flat();

export const NB301_SUB_DECLARATION = {
  decisions: {
    n4_inputs: { options: inputPairs(4) },
    n5_inputs: { options: inputPairs(5) },
    n5_op_low: { options: [...DARTS_OPERATIONS] },
    n5_op_high: { options: [...DARTS_OPERATIONS] },
  },
} satisfies ChoicesDeclarationInput;

const edge = (op: DartsOperation, input: number): DartsEdge => ({ op, input });
const pair = (token: string) => token.split('_').map(Number) as [number, number];

// DARTS-V2 (the genotype `DARTS_V2` of the DARTS repository): the fixed part of every architecture.
const DARTS_V2_NORMAL_HEAD: DartsCell = [
  [edge('sep_conv_3x3', 0), edge('sep_conv_3x3', 1)],
  [edge('sep_conv_3x3', 0), edge('sep_conv_3x3', 1)],
];
const DARTS_V2_REDUCE: DartsCell = [
  [edge('max_pool_3x3', 0), edge('max_pool_3x3', 1)],
  [edge('skip_connect', 2), edge('max_pool_3x3', 1)],
  [edge('max_pool_3x3', 0), edge('skip_connect', 2)],
  [edge('skip_connect', 2), edge('max_pool_3x3', 1)],
];

/** The DARTS genotype an architecture of the sub-space stands for. */
export function nb301SubGenotype(arch: ChoicesArch): DartsGenotype {
  const [a4, b4] = pair(String(arch.n4_inputs));
  const [a5, b5] = pair(String(arch.n5_inputs));
  const normal: DartsCell = [
    ...DARTS_V2_NORMAL_HEAD,
    [edge('sep_conv_3x3', a4), edge('skip_connect', b4)],
    [edge(arch.n5_op_low as DartsOperation, a5), edge(arch.n5_op_high as DartsOperation, b5)],
  ];
  return { normal, reduce: DARTS_V2_REDUCE };
}

/**
 * The table: `val_accuracy` (%, the surrogate's 98-epoch CIFAR-10 validation accuracy) and `train_seconds`
 * (its predicted training time, the cost). `limit`: a seeded subset of that many architectures (tests).
 */
export async function buildNb301SubTable(benchmarksDir: string, limit?: number): Promise<BuiltTable> {
  const space = createChoicesSpace(NB301_SUB_DECLARATION);
  const archs = subsetOf(enumerateSpace(space, countChoicesArchitectures(NB301_SUB_DECLARATION)), limit, 0);
  const surrogate = await loadNb301Surrogate(benchmarksDir);
  const predictions = await surrogate.query(archs.map(nb301SubGenotype), NB301_MAX_EPOCH);
  return {
    manifest: {
      description:
        `NB301-surrogate sub-space (bench/tables/nb301-subspace.ts): DARTS-V2 with normal-cell nodes 4-5 free (node 4's inputs, node 5's inputs and ops), ` +
        `${archs.length} architectures, 98-epoch CIFAR-10 validation accuracy (%) and predicted training seconds`,
      space: 'choices',
      spaceConfig: NB301_SUB_DECLARATION,
      metrics: ['val_accuracy'],
      costSecondsColumn: 'train_seconds',
    },
    rows: archs.map((arch, i) => ({
      arch: space.format(arch),
      values: { val_accuracy: predictions[i]!.valAccuracy * 100, train_seconds: predictions[i]!.runtimeSeconds },
    })),
  };
}
