import type { Trx } from '../db/index.js';
import { runPiece } from '../db/pieces.js';
import { ledgerLines, type Movement } from './ledger.js';

export interface CounterCorrection {
  product_id: number;
  /** What the counters must hold. */
  counters: { available: number; reserved: number; sold: number };
  /** Units the ledger's reserved balance is below `counters.reserved` (negative: above it). */
  reservedGap: number;
}

/**
 * Overwrites drifted counters with what they must hold, for a caller that has locked the rows
 * (`lockStock`) and worked the truth out under the locks. Where the ledger's reserved balance is
 * off, a 'reserved' or 'released' line squares it, so the ledger keeps explaining every counter.
 */
export async function correctCounters(
  trx: Trx,
  corrections: CounterCorrection[],
  { actor, reason }: { actor: string; reason: string },
): Promise<void> {
  if (corrections.length === 0) return;
  const squaring: Movement[] = corrections
    .filter((c) => c.reservedGap !== 0)
    .map((c) => ({
      product_id: c.product_id,
      kind: c.reservedGap > 0 ? 'reserved' : 'released',
      quantity: Math.abs(c.reservedGap),
      reason,
    }));
  // Lines only: the counters are overwritten below, and applying a 'released' line to a reserved
  // count that drifted below it first would break the CHECK constraint on the way.
  if (squaring.length) await runPiece(trx, ledgerLines(squaring, actor));
  await trx.raw(
    `UPDATE inventory i
        SET available_count = c.available, reserved_count = c.reserved, sold_count = c.sold,
            version = i.version + 1, updated_at = now()
       FROM unnest(:ids::bigint[], :available::int[], :reserved::int[], :sold::int[])
            AS c(product_id, available, reserved, sold)
      WHERE i.product_id = c.product_id`,
    {
      ids: corrections.map((c) => c.product_id),
      available: corrections.map((c) => c.counters.available),
      reserved: corrections.map((c) => c.counters.reserved),
      sold: corrections.map((c) => c.counters.sold),
    },
  );
}
