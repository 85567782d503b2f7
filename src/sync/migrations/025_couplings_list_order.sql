-- The couplings list (GET /api/integration/v1/couplings, `kobling couplings`) pages by keyset in
-- its order, mapping, creation, id (src/sync/queries.ts). Without an index in that order every page
-- sorted the mapping's every coupling: 100–135 ms for the first page at 150,000 couplings and 21 s
-- to read them all; in order, 2 ms and 1.1 s. It replaces the index on the mapping alone, whose
-- lookups it serves as well, so a coupling insert writes no more indexes than before; none of its
-- columns ever changes, so marking couplings synchronized stays HOT (migration 017).
CREATE INDEX couplings_list_order_idx ON integration.couplings (mapping_name, created_at, id);
DROP INDEX integration.couplings_mapping_idx;
