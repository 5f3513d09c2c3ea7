/** Where the dashboard's pages live, so that links and routes agree. */

export const PREDICT_PATH = '/predict';

export function searchPath(searchId: string): string {
  return `/searches/${encodeURIComponent(searchId)}`;
}

export function trialPath(searchId: string, trialNumber: number): string {
  return `${searchPath(searchId)}/trials/${trialNumber}`;
}

/** The API's export of a trained trial's model (JSON naming its files). */
export function modelExportPath(searchId: string, trialNumber: number): string {
  return `/v1/searches/${encodeURIComponent(searchId)}/trials/${trialNumber}/model`;
}
