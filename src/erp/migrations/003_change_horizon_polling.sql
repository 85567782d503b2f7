-- erp.change_horizon() no longer queues for the exclusive lock: a queued exclusive request would
-- make writers that take their first shared lock wait behind it, which can deadlock with row locks
-- they hold. It polls with pg_try_advisory_xact_lock (never queues) and only falls back to a
-- blocking request after about ten seconds of constant writing.
CREATE OR REPLACE FUNCTION erp.change_horizon() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  horizon bigint;
  got boolean := false;
BEGIN
  FOR i IN 1..2000 LOOP
    got := pg_try_advisory_xact_lock(7741542357924653057);
    EXIT WHEN got;
    PERFORM pg_sleep(0.005);
  END LOOP;
  IF NOT got THEN
    PERFORM pg_advisory_xact_lock(7741542357924653057);
  END IF;
  SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO horizon FROM erp.change_seq;
  RETURN horizon;
END $$;
