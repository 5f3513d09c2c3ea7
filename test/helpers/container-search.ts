import type { JobLogLine, JobLogReader } from '../../src/usecases/record-container-outcome.js';
import { ContainerEvaluatorSchema } from '../../src/search/container-spec.js';
import type { SearchSpec } from '../../src/search/spec.js';
import { testSpec } from './records.js';

/** A container search on nb201 reading `val_acc` and `val_loss` from its output, as a spec resolves it. */
export function containerSpec(budget: Partial<SearchSpec['budget']> = {}): SearchSpec {
  return {
    ...testSpec(budget),
    objectives: [{ metric: 'val_acc', direction: 'maximize' }],
    evaluator: ContainerEvaluatorSchema.parse({
      kind: 'container',
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer:v1',
      command: ['python', 'train.py'],
      metricDefinitions: [
        { name: 'val_acc', regex: 'val_acc=([0-9.]+)' },
        { name: 'val_loss', regex: 'val_loss=([0-9.]+)' },
      ],
    }),
  };
}

/** CloudWatch Logs as the outcome recorder reads it: the lines of each stream, and how often each was read. */
export class FakeJobLogs implements JobLogReader {
  readonly streams = new Map<string, JobLogLine[]>();
  readonly reads: string[] = [];

  write(logStream: string, startMs: number, messages: readonly string[]) {
    this.streams.set(logStream, messages.map((message, i) => ({ message, timestamp: startMs + (i + 1) * 60_000 })));
  }

  async *lines(logStream: string): AsyncIterable<JobLogLine> {
    this.reads.push(logStream);
    yield* this.streams.get(logStream) ?? [];
  }
}
