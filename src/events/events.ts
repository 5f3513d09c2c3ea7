/**
 * What happened that may move a search forward. In the cloud these arrive from EventBridge (Batch job
 * state changes, a schedule) and API calls; locally from the in-process bus. Each only names the search:
 * the controller re-reads the records, which is what makes handling an event twice harmless.
 */
export type SearchEvent =
  | { readonly type: 'SearchCreated'; readonly tenantId: string; readonly searchId: string }
  | { readonly type: 'SearchStopRequested'; readonly tenantId: string; readonly searchId: string }
  | { readonly type: 'TrialJobEnded'; readonly tenantId: string; readonly searchId: string; readonly trialNumber: number }
  | { readonly type: 'SearchSwept'; readonly tenantId: string; readonly searchId: string };

export interface Events {
  publish(event: SearchEvent): void;
}
