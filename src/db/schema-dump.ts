import type { Queryable } from './db.ts';

/**
 * The current DDL of every schema our migrations create, read from the system catalog, in a fixed
 * order (by schema, then kind, then name) so the same migrations always give the same text. It
 * is for reading and review (`docs/schema.sql`), not for replaying: migrations stay the source.
 */
export const SCHEMA_DUMP_HEADER = `-- The database schema after every migration, for reading: generated, do not edit.
-- Regenerate with \`npm run schema:dump\` after adding a migration (a test fails while stale).
`;

/** Schemas created by others (pg-boss) or by PostgreSQL itself. */
const FOREIGN_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast', 'pgboss'];

interface Row {
  [key: string]: string;
}

const q = async (db: Queryable, sql: string, params: unknown[] = []): Promise<Row[]> =>
  (await db.query<Row>(sql, params)).rows;

const ident = (name: string) =>
  /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;

/** Dumps the schemas of the connected database as SQL text. */
export async function dumpSchema(db: Queryable): Promise<string> {
  const schemas = await q(
    db,
    `SELECT nspname AS name FROM pg_namespace
     WHERE NOT (nspname = ANY($1)) AND nspname NOT LIKE 'pg\\_%'
     ORDER BY nspname COLLATE "C"`,
    [FOREIGN_SCHEMAS],
  );
  const out: string[] = [SCHEMA_DUMP_HEADER];
  for (const { name: schema } of schemas) {
    const s = ident(schema!);
    const parts: string[] = [];
    if (schema !== 'public') parts.push(`CREATE SCHEMA ${s};`);
    for (const t of await q(
      db,
      `SELECT t.typname AS name, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
       WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname COLLATE "C"`,
      [schema],
    ))
      parts.push(`CREATE TYPE ${s}.${ident(t.name!)} AS ENUM (${t.labels});`);
    for (const seq of await q(
      db,
      `SELECT c.relname AS name, format_type(sq.seqtypid, NULL) AS type, sq.seqstart::text AS start,
              sq.seqincrement::text AS increment
       FROM pg_sequence sq JOIN pg_class c ON c.oid = sq.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
       ORDER BY c.relname COLLATE "C"`,
      [schema],
    ))
      parts.push(
        `CREATE SEQUENCE ${s}.${ident(seq.name!)} AS ${seq.type} START ${seq.start} INCREMENT ${seq.increment};`,
      );
    for (const table of await q(
      db,
      `SELECT c.oid::text AS oid, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname COLLATE "C"`,
      [schema],
    ))
      parts.push(await tableDdl(db, `${s}.${ident(table.name!)}`, table.oid!));
    for (const view of await q(
      db,
      `SELECT c.relname AS name, c.relkind AS kind, pg_get_viewdef(c.oid, true) AS def
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('v', 'm') ORDER BY c.relname COLLATE "C"`,
      [schema],
    ))
      parts.push(
        `CREATE ${view.kind === 'm' ? 'MATERIALIZED ' : ''}VIEW ${s}.${ident(view.name!)} AS\n${view.def!.trimEnd()}`,
      );
    for (const idx of await q(
      db,
      `SELECT pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
       ORDER BY c.relname COLLATE "C"`,
      [schema],
    ))
      parts.push(`${idx.def};`);
    for (const fn of await q(
      db,
      `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = $1 AND p.prokind IN ('f', 'p')
       ORDER BY p.proname COLLATE "C", pg_get_function_identity_arguments(p.oid) COLLATE "C"`,
      [schema],
    ))
      parts.push(`${fn.def!.trimEnd()};`);
    for (const trg of await q(
      db,
      `SELECT pg_get_triggerdef(tg.oid) AS def FROM pg_trigger tg
       JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND NOT tg.tgisinternal
       ORDER BY c.relname COLLATE "C", tg.tgname COLLATE "C"`,
      [schema],
    ))
      parts.push(`${trg.def};`);
    if (parts.length === 0) continue;
    out.push(
      `-- ${'-'.repeat(70)}\n-- Schema ${schema}\n-- ${'-'.repeat(70)}\n\n${parts.join('\n\n')}\n`,
    );
  }
  return `${out.join('\n')}`;
}

/** CREATE TABLE with columns in their order, then the constraints by kind and name. */
async function tableDdl(db: Queryable, name: string, oid: string): Promise<string> {
  const columns = await q(
    db,
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull::text AS notnull,
            a.attidentity AS identity, a.attgenerated AS generated, pg_get_expr(d.adbin, d.adrelid) AS def,
            CASE WHEN co.collname IS NOT NULL AND co.collname <> 'default' THEN co.collname END AS collation
     FROM pg_attribute a
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation
     WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    [oid],
  );
  const lines = columns.map((c) => {
    let line = `  ${ident(c.name!)} ${c.type}`;
    if (c.collation) line += ` COLLATE "${c.collation}"`;
    if (c.generated === 's') line += ` GENERATED ALWAYS AS (${c.def}) STORED`;
    else if (c.def !== null) line += ` DEFAULT ${c.def}`;
    if (c.identity === 'a') line += ' GENERATED ALWAYS AS IDENTITY';
    if (c.identity === 'd') line += ' GENERATED BY DEFAULT AS IDENTITY';
    if (c.notnull === 'true') line += ' NOT NULL';
    return line;
  });
  const constraints = await q(
    db,
    `SELECT conname AS name, pg_get_constraintdef(oid, true) AS def FROM pg_constraint
     WHERE conrelid = $1::oid AND contype IN ('p', 'u', 'f', 'c', 'x')
     ORDER BY array_position(ARRAY['p', 'u', 'c', 'x', 'f'], contype::text), conname COLLATE "C"`,
    [oid],
  );
  for (const k of constraints) lines.push(`  CONSTRAINT ${ident(k.name!)} ${k.def}`);
  return `CREATE TABLE ${name} (\n${lines.join(',\n')}\n);`;
}
