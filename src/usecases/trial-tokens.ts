import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { TrialAccess, TrialRecord } from '../search/records.js';
import { isActiveTrial } from '../search/states.js';
import type { Store } from '../store/store.js';
import { isTenantId } from '../auth/tenant-id.js';

/**
 * Trial tokens: what a `container` trial's own code presents to report its metrics over HTTP, the routes
 * external workers use (`/reports`, `/complete`). The user's image must not hold the tenant's API key
 * (it could then start searches, read every result, mint keys), so each attempt gets a credential of its
 * own that is good for exactly one thing: reporting on that attempt of that trial while it is active.
 *
 * Only a hash is stored, on the trial itself: a new attempt overwrites it and a finished trial no longer
 * accepts it, so a token needs no revocation and no expiry of its own. The token names its trial (tenant,
 * search, number) so that the API finds the hash with one read, without an index.
 */

export const TRIAL_TOKEN_PREFIX = 'nas_trial_';

export interface TrialRef {
  readonly tenantId: string;
  readonly searchId: string;
  readonly trialNumber: number;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isTrialToken(presented: string): boolean {
  return presented.startsWith(TRIAL_TOKEN_PREFIX);
}

/** The trial a token names, if it is well formed; says nothing about whether it is valid. */
export function trialOfToken(token: string): TrialRef | undefined {
  if (!isTrialToken(token)) return undefined;
  const [named, secret, ...rest] = token.slice(TRIAL_TOKEN_PREFIX.length).split('.');
  if (!named || !secret || rest.length > 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(named, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [tenantId, searchId, trialNumber] = parsed as unknown[];
    if (typeof tenantId !== 'string' || !isTenantId(tenantId) || typeof searchId !== 'string' || !Number.isSafeInteger(trialNumber)) return undefined;
    return { tenantId, searchId, trialNumber: trialNumber as number };
  } catch {
    return undefined;
  }
}

/**
 * Gives the trial's current attempt a fresh lease and token, stored (the token hashed) only if the trial
 * is still active at that attempt; `undefined` when it is not (the attempt was superseded meanwhile).
 */
export async function issueTrialAccess(store: Pick<Store, 'updateTrial'>, trial: Pick<TrialRecord, 'tenantId' | 'searchId' | 'number' | 'attempt'>): Promise<TrialAccess | undefined> {
  const named = Buffer.from(JSON.stringify([trial.tenantId, trial.searchId, trial.number])).toString('base64url');
  const token = `${TRIAL_TOKEN_PREFIX}${named}.${randomBytes(24).toString('base64url')}`;
  const leaseId = randomUUID();
  const issued = await store.updateTrial(
    trial.tenantId,
    trial.searchId,
    trial.number,
    { leaseId, trialTokenHash: hashToken(token) },
    { attempt: trial.attempt, status: ['PENDING', 'RUNNING'] },
  );
  return issued ? { leaseId, token } : undefined;
}

/** The trial `token` authorises: named by it, still active, and holding the token's hash; else `undefined`. */
export async function trialOfValidToken(store: Pick<Store, 'getTrial'>, token: string): Promise<TrialRef | undefined> {
  const ref = trialOfToken(token);
  if (!ref) return undefined;
  const trial = await store.getTrial(ref.tenantId, ref.searchId, ref.trialNumber);
  if (!trial?.trialTokenHash || !isActiveTrial(trial.status)) return undefined;
  const presented = Buffer.from(hashToken(token), 'hex');
  const stored = Buffer.from(trial.trialTokenHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored) ? ref : undefined;
}
