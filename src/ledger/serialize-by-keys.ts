/**
 * Requests of one process that carry the same key run one after the other, so that the later one
 * plans after the earlier one committed. Usage requests key by event id: the later one reads the
 * id as a duplicate (across processes the usage_events primary key and recordUsage's retry do the
 * same job). Renewals key by package: the later one plans on the period the earlier one added,
 * instead of failing on it (across processes, renewPackage's retries do). A request registers its
 * keys before waiting, and waits only for requests registered earlier, so no two requests ever
 * wait on each other.
 */
const inFlight = new WeakMap<object, Map<string, Promise<void>>>();

export async function serializeByKeys<T>(scope: object, ids: string[], work: () => Promise<T>): Promise<T> {
  let running = inFlight.get(scope);
  if (!running) {
    running = new Map();
    inFlight.set(scope, running);
  }
  let finish!: () => void;
  const mine = new Promise<void>((resolve) => { finish = resolve; });
  // One pass over the keys (a usage request has 1,000): note who holds each, then take it over.
  const earlier = new Set<Promise<void>>();
  for (const id of ids) {
    const other = running.get(id);
    if (other !== undefined && other !== mine) earlier.add(other);
    running.set(id, mine);
  }
  try {
    await Promise.all(earlier);
    return await work();
  } finally {
    for (const id of ids) if (running.get(id) === mine) running.delete(id);
    finish();
  }
}
