import type { SlotHolder, SlotPool, Store } from '../store/store.js';

/** Whether a slot's holder is gone (its search finished, the instance serving its stream died). */
export type IsGone = (holder: SlotHolder) => boolean | Promise<boolean>;

export type SlotResult = { readonly taken: true } | { readonly taken: false; readonly holders: readonly SlotHolder[] };

/**
 * Takes `holder`'s slot in the tenant's `pool` (see `Store.takeSlot`). A full pool is first cleared of the
 * holders `isGone` names, which is how a slot left behind by a crash comes back: a search reserved but
 * never written, a stream whose Lambda died. When still refused, returns the holders that remain.
 */
export async function takeSlot(
  store: Store,
  request: { tenantId: string; pool: SlotPool; holder: string; stamp: number; max: number },
  isGone: IsGone,
): Promise<SlotResult> {
  const { tenantId, pool, holder, stamp, max } = request;
  if (await store.takeSlot(tenantId, pool, holder, stamp, max)) return { taken: true };
  const holders = await store.slotHolders(tenantId, pool);
  const gone = new Set((await Promise.all(holders.map(async (h) => ((await isGone(h)) ? h : undefined)))).filter((h) => h !== undefined));
  // Each release is conditional on the stamp seen, so a holder that renewed meanwhile keeps its slot.
  await Promise.all([...gone].map((h) => store.releaseSlot(tenantId, pool, h.holder, h.stamp)));
  if (gone.size > 0 && (await store.takeSlot(tenantId, pool, holder, stamp, max))) return { taken: true };
  return { taken: false, holders: holders.filter((h) => !gone.has(h)) };
}
