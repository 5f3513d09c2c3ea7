/** One page of a list: its items and, unless it is the last, the token that asks for the next. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

/** Fetches the page after `nextToken` (the first page when it is undefined). */
export type PageFetcher<T> = (nextToken: string | undefined) => Promise<Page<T>>;

/** Every page of a list in order, fetching each only when the loop asks for it. */
export async function* pages<T>(fetchPage: PageFetcher<T>): AsyncGenerator<Page<T>, void, undefined> {
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    yield page;
    nextToken = page.nextToken;
  } while (nextToken);
}

/** Every item of a list across its pages: `for await (const trial of client.trials(id))`. */
export async function* items<T>(fetchPage: PageFetcher<T>): AsyncGenerator<T, void, undefined> {
  for await (const page of pages(fetchPage)) yield* page.items;
}

/** Collects an async iterable into an array (the whole list: mind its size). */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}
