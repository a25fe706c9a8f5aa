/** The page of a history read: newest first, `limit` items (node default 100, at most 1,000). */
export interface PageParameters {
  limit?: number | undefined;
  /** the `next` of the page before: items older than it */
  before?: string | undefined;
}
