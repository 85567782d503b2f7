-- Change capture readers need a horizon below which no change can still appear: sequence numbers
-- are taken in trigger order but become visible in commit order. Every writing transaction holds
-- a shared advisory lock until it ends; a reader takes the same lock exclusively for an instant
-- (erp.change_horizon()), so when it gets it no writer is in flight and every change_seq up to the
-- sequence's current value is committed and visible.
CREATE OR REPLACE FUNCTION erp.track_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  actor text := coalesce(nullif(current_setting('kobling.actor', true), ''), 'user');
BEGIN
  PERFORM pg_advisory_xact_lock_shared(7741542357924653057);
  IF TG_OP = 'DELETE' THEN
    INSERT INTO erp.deletions (table_name, record_id, change_seq, deleted_by)
    VALUES (TG_TABLE_NAME, OLD.id, nextval('erp.change_seq'), actor);
    PERFORM pg_notify('kobling_erp_change', TG_TABLE_NAME);
    RETURN OLD;
  END IF;
  NEW.last_modified_at := clock_timestamp();
  NEW.change_seq := nextval('erp.change_seq');
  NEW.modified_by := actor;
  NEW.change_xid := pg_current_xact_id();
  PERFORM pg_notify('kobling_erp_change', TG_TABLE_NAME);
  RETURN NEW;
END $$;

-- The highest change_seq that is certainly committed (waits for writers in flight to finish).
-- Call it in its own short transaction (or autocommit), not inside a long one.
CREATE FUNCTION erp.change_horizon() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  horizon bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(7741542357924653057);
  SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO horizon FROM erp.change_seq;
  RETURN horizon;
END $$;
