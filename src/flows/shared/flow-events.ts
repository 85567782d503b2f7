import { createHash } from 'node:crypto';
import type { Db, Queryable } from '../../db/db.ts';
import { withSessionLock } from '../../db/session-lock.ts';

/** An ERP outbox event (release, shipment, invoice, deletion…). */
export interface ErpEvent {
  readonly id: number;
  readonly type: string;
  readonly aggregateId: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: Date;
}

// Outbox ids are taken in insert order but become visible in commit order; events more than this
// many ids below the newest handled one are considered settled and no longer looked at.
const SETTLE_WINDOW = 10_000;

/** Events of the given types that `consumer` has not handled yet, oldest first. */
export async function pendingEvents(
  db: Queryable,
  consumer: string,
  types: readonly string[],
  limit = 500,
): Promise<ErpEvent[]> {
  const r = await db.query<{
    id: string;
    event_type: string;
    aggregate_id: string;
    payload: Record<string, unknown>;
    created_at: Date;
  }>(
    `SELECT o.id, o.event_type, o.aggregate_id, o.payload, o.created_at FROM erp.outbox o
      WHERE o.event_type = ANY($2)
        AND o.id > coalesce((SELECT max(outbox_id) FROM integration.flow_event_receipts WHERE consumer = $1), 0) - $3
        AND NOT EXISTS (SELECT 1 FROM integration.flow_event_receipts r WHERE r.consumer = $1 AND r.outbox_id = o.id)
      ORDER BY o.id LIMIT $4`,
    [consumer, types, SETTLE_WINDOW, limit],
  );
  return r.rows.map((row) => ({
    id: Number(row.id),
    type: row.event_type,
    aggregateId: row.aggregate_id,
    payload: row.payload,
    createdAt: row.created_at,
  }));
}

/** Records that `consumer` handled an event (and how). */
export async function markHandled(
  db: Queryable,
  consumer: string,
  eventId: number,
  outcome: string,
): Promise<void> {
  await db.query(
    `INSERT INTO integration.flow_event_receipts (consumer, outbox_id, outcome) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [consumer, eventId, outcome],
  );
}

/** A stable GUID for something derived from an event, so a repeated write is recognised. */
export function derivedId(...parts: readonly (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Runs `fn` only when no other process runs the same consumer (session advisory lock). */
export async function exclusively<T>(
  db: Db,
  name: string,
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const r = await withSessionLock(
    db,
    { holder: `flow job ${name}`, key: "hashtext('kobling.flows.job:' || $1)", id: name },
    fn,
  );
  return r ? { ran: true, value: r.value } : { ran: false };
}
