-- Option-set values added at run time (InsertOptionValue), per table and column. Values start at
-- 100,000,000 as options added through a publisher do in Dataverse.
CREATE TABLE crm.custom_options (
  entity text NOT NULL,
  attribute text NOT NULL,
  value integer NOT NULL CHECK (value >= 100000000),
  label text NOT NULL,
  created_on timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (entity, attribute, value),
  UNIQUE (entity, attribute, label)
);
