-- Policy `ask`: when the integration wrote a coupled record while its two sides did not agree — a
-- write-back the other side refused, an undo putting back what a job wrote — the record's last
-- modifier is the integration user on the side it wrote, so by its versions that side looks
-- unchanged and what a user typed on it could be overwritten. Such a record is marked here, and the
-- next pass that plans it compares every differing field with the agreed values (crm_values)
-- whatever the versions say; a pass that synchronizes it saves new agreed values and clears the mark.
-- Nullable (null: in step), so rows a move to another organization set aside before it still fit.
ALTER TABLE integration.conflict_baselines ADD COLUMN unsettled_at timestamptz;
