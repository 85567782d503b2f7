-- Every pass of a mapping starts by settling the creates an earlier run left pending
-- (src/sync/engine/pending-creates.ts). Found through the mapping's index, that meant visiting every
-- coupling of the mapping: 45–65 ms per pass at 100,000 customers, paid by each real-time run too.
-- Pending couplings are few (creates in flight or refused), so a partial index finds them at once;
-- marking a coupling synchronized leaves `state` as it was, so those updates stay HOT
-- (migration 017).
CREATE INDEX couplings_pending_idx ON integration.couplings (mapping_name, pending_side, created_at, id)
  WHERE state = 'pending';
