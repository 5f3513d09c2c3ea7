/**
 * The entry of the local service's predictor-training process (`EnsembleFitProcess`): fits ensembles one
 * message at a time and answers each with its result, or with the error that stopped it.
 */
import { fitEnsemble, type EnsembleFitJob } from '../predictors/mlp-ensemble.js';

export type ToFitProcess = { readonly id: number; readonly job: EnsembleFitJob };
export type FromFitProcess = { readonly id: number } & ({ readonly result: ReturnType<typeof fitEnsemble> } | { readonly error: string });

if (!process.send) throw new Error('ensemble-fit-child.ts runs as a child process of the service (EnsembleFitProcess), not on its own');

// A fit holds this event loop for its whole length, so a service that died meanwhile (killed alone, without
// closing us) goes unnoticed by 'disconnect' until it ends: the fit also stops once this process is orphaned.
const service = process.ppid;
const orphaned = () => process.ppid !== service;

process.on('message', ({ id, job }: ToFitProcess) => {
  let answer: FromFitProcess;
  try {
    answer = { id, result: fitEnsemble(job, orphaned) };
  } catch (error) {
    answer = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  if (orphaned()) process.exit(0);
  process.send!(answer);
});
// The service is gone (ended, or killed without closing us): so is the reason to be here.
process.on('disconnect', () => process.exit(0));
