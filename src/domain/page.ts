/** A page of a list (every paged route answers this shape; src/http/schemas.ts PageOf). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/**
 * Cuts rows read one past the page's limit: the page's rows, and the next page's cursor (the
 * last row's id) only when there were more.
 */
export function cutPage<R extends { id: string }>(rows: R[], limit: number): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: rows.length > limit ? page.at(-1)!.id : null };
}
