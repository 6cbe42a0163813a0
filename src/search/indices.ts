import type { SearchClient } from './client.js';

/**
 * The engine's concrete indexes and the alias in front of them, as reindex and status handle them.
 * Index administration (create, settings, aliases) may take seconds on a busy node: these calls
 * wait longer than a shopper's search.
 */
export const ADMIN_TIMEOUT_MS = 60_000;
export const slow = { requestTimeout: ADMIN_TIMEOUT_MS };

const statusOf = (err: unknown) => (err as { meta?: { statusCode?: number } })?.meta?.statusCode;

/** The concrete indexes the alias points at now; [] when there is no alias. */
export async function aliasTargets(
  client: SearchClient,
  alias: string,
  timeoutMs = ADMIN_TIMEOUT_MS,
): Promise<string[]> {
  try {
    const { body } = await client.indices.getAlias({ name: alias }, { requestTimeout: timeoutMs });
    return Object.keys(body);
  } catch (err) {
    if (statusOf(err) === 404) return [];
    throw err;
  }
}

/** True when a concrete index (not an alias) has the alias's name: a write once auto-created it. */
export async function concreteIndexNamed(client: SearchClient, name: string): Promise<boolean> {
  const { body: exists } = await client.indices.exists({ index: name }, slow);
  if (!exists) return false;
  return (await aliasTargets(client, name)).length === 0;
}

/** Drops an index; one already gone is fine. */
export async function dropIndex(client: SearchClient, index: string) {
  try {
    await client.indices.delete({ index }, slow);
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}
