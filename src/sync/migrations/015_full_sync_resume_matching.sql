-- Full synchronization, resumable and matched (docs/full-synchronization.md).
-- prepared_at: when the line's run cleared the mapping's watermarks under the mapping's lock; a
-- line handed out again after its worker died does not clear them a second time (it continues
-- from where they got). matched / ambiguous: what matching the uncoupled records did before the
-- line's synchronization (records coupled; ERP records left uncoupled because several records
-- could be their match).
ALTER TABLE integration.full_sync_lines
  ADD COLUMN prepared_at timestamptz,
  ADD COLUMN matched integer,
  ADD COLUMN ambiguous integer;
