import { Hono } from 'hono';

/** A trial of the fake, and what workers did with it. */
export interface FakeTrial {
  readonly number: number;
  readonly arch: string;
  attempt: number;
  lease?: { readonly id: string; expiresAt: number };
  /** Reports with metrics; one without only renews the lease, and is counted in `renewals`. */
  readonly reports: { readonly leaseId: string; readonly step: number; readonly metrics: Record<string, number> }[];
  renewals: number;
  /** How the trial ended: a worker's completion, or early stopping on a report. */
  completion?: Record<string, unknown>;
}

export interface FakeOptions {
  readonly arches: readonly string[];
  /** The answer to a report: `'stop'` ends the trial by early stopping. @default continue */
  readonly decide?: (trial: FakeTrial, step: number) => 'continue' | 'stop';
  /** The lease length when a claim asks for none. @default 30 s */
  readonly defaultLeaseSeconds?: number;
  /** Answers `status` to the next calls of a route before serving it (a flaky service). */
  readonly failFirst?: Partial<Record<'claims' | 'reports' | 'complete', { readonly times: number; readonly status: number }>>;
  /** Claims answered 204 before the first trial is handed out (the strategy is still thinking). */
  readonly waitFirst?: number;
}

const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ type: `/problems/${status}`, title: detail, status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });

/**
 * The three external-trial routes over trials in memory, as the contract describes them (docs/sdk.md): a
 * claim leases the lowest trial nobody holds (an expired lease makes the trial claimable again, as the next
 * attempt), reports renew the lease (one without metrics does nothing else), a `'stop'` ends the trial, a
 * completion without the `accuracy` the search ranks on is a 400, and a call under a lease that is not the
 * current one is a 409.
 */
export function fakeExternalTrials(options: FakeOptions) {
  const trials: FakeTrial[] = options.arches.map((arch, i) => ({ number: i + 1, arch, attempt: 0, reports: [], renewals: 0 }));
  const claims: { workerId?: string; leaseSeconds?: number }[] = [];
  let leases = 0;
  let waits = options.waitFirst ?? 0;
  let mostHeldAtOnce = 0;
  const failures = structuredClone(options.failFirst ?? {});
  const held = () => trials.filter((t) => !t.completion && t.lease && t.lease.expiresAt > Date.now());
  const flaky = (route: keyof NonNullable<FakeOptions['failFirst']>) => {
    const failure = failures[route];
    if (!failure || failure.times === 0) return undefined;
    (failure as { times: number }).times--;
    return problem(failure.status, `${route} failing on purpose`);
  };
  const leased = (number: number, leaseId: unknown) => {
    const trial = trials.find((t) => t.number === number);
    const lease = trial?.lease;
    return trial && !trial.completion && lease !== undefined && lease.id === leaseId && lease.expiresAt > Date.now() ? trial : undefined;
  };

  const app = new Hono()
    .post('/v1/searches/:id/claims', async (c) => {
      const body = (await c.req.json()) as { workerId?: string; leaseSeconds?: number };
      claims.push(body);
      const failure = flaky('claims');
      if (failure) return failure;
      if (trials.every((t) => t.completion)) return c.body(null, 410);
      const free = trials.find((t) => !t.completion && !(t.lease && t.lease.expiresAt > Date.now()));
      if (!free || waits-- > 0) return c.body(null, 204);
      const seconds = body.leaseSeconds ?? options.defaultLeaseSeconds ?? 30;
      free.attempt++;
      free.lease = { id: `lease-${++leases}`, expiresAt: Date.now() + seconds * 1000 };
      mostHeldAtOnce = Math.max(mostHeldAtOnce, held().length);
      return c.json(
        {
          searchId: c.req.param('id'),
          trialNumber: free.number,
          attempt: free.attempt,
          arch: free.arch,
          archHash: `hash-${free.number}`,
          leaseId: free.lease.id,
          leaseExpiresAt: new Date(free.lease.expiresAt).toISOString(),
          metrics: ['accuracy'],
          objectives: [{ metric: 'accuracy', direction: 'maximize' }],
        },
        201,
      );
    })
    .post('/v1/searches/:id/trials/:n/reports', async (c) => {
      const body = (await c.req.json()) as FakeTrial['reports'][number];
      const failure = flaky('reports');
      if (failure) return failure;
      const trial = leased(Number(c.req.param('n')), body.leaseId);
      if (!trial) return problem(409, 'the lease is not current');
      const seconds = claims.at(-1)?.leaseSeconds ?? options.defaultLeaseSeconds ?? 30;
      trial.lease!.expiresAt = Date.now() + seconds * 1000;
      if (Object.keys(body.metrics).length === 0) trial.renewals++;
      else trial.reports.push(body);
      const decision = Object.keys(body.metrics).length > 0 ? (options.decide?.(trial, body.step) ?? 'continue') : 'continue';
      // Early stopping ends the trial here, with the stopping report's metrics: the lease ends with it.
      if (decision === 'stop') trial.completion = { earlyStopped: true, metrics: body.metrics };
      return c.json({ decision, leaseExpiresAt: new Date(trial.lease!.expiresAt).toISOString() }, 200);
    })
    .post('/v1/searches/:id/trials/:n/complete', async (c) => {
      const body = (await c.req.json()) as { leaseId: string; metrics?: Record<string, number> };
      const failure = flaky('complete');
      if (failure) return failure;
      if (body.metrics && body.metrics.accuracy === undefined) {
        const refused = { type: '/problems/invalid-request', title: 'Invalid request', status: 400, detail: 'metrics.accuracy', errors: [{ field: 'metrics.accuracy', message: 'missing' }] };
        return c.json(refused, 400);
      }
      const trial = leased(Number(c.req.param('n')), body.leaseId);
      if (!trial) return problem(409, 'the lease is not current');
      trial.completion = body;
      return c.json({ number: trial.number }, 200);
    });

  return {
    trials,
    claims,
    /** The most trials leased at the same moment. */
    mostHeldAtOnce: () => mostHeldAtOnce,
    fetch: (input: string | URL | Request, init?: RequestInit) => app.request(input, init),
  };
}
