import {
  type DataverseClient,
  type DataverseOperation,
  type DataverseRecord,
  relativeDeltaLink,
  TRANSPORT_CODES,
} from '../../dataverse/index.ts';
import { failure, ok } from '../../shared/result.ts';
import { CRM_LOGICAL_NAME } from '../../sync/mappings/validate-mapping.ts';
import type {
  CrmLookupValue,
  CrmPort,
  CrmRecord,
  CrmWrite,
  CrmWriteResult,
} from '../../sync/ports.ts';
import { CRM_ENTITIES, type CrmEntityInfo, TYPE_COLUMNS } from './crm-catalogue.ts';
import { odataCondition } from './crm-filter.ts';
import { crmMetadata } from './crm-metadata.ts';
import { READ_ONLY_RECORD, updateSubmittedOrder } from './submitted-orders.ts';

const LOOKUP_VALUE = /^_(.+)_value$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_CHUNK = 200;
/**
 * What a slim change read asks for: enough to drop echoes (the delta link keeps the `$select`, so
 * later runs stay slim), and `modifiedon` for the real-time poller's look at the link.
 */
const SLIM_COLUMNS = ['versionnumber', '_modifiedby_value', 'modifiedon'];
/** Writes per atomic change set in a `$batch`. */
const CHANGE_SET_SIZE = 100;

const CREATE_ONLY = new Map(
  Object.entries(CRM_ENTITIES).map(([entity, i]) => [entity, new Set(i.createOnly ?? [])]),
);
const NONE: ReadonlySet<string> = new Set();

/** A CRM row's values as the engine sees them: annotations left out, lookups by their own name. */
export function crmValues(row: DataverseRecord): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.includes('@')) continue;
    const lookup = LOOKUP_VALUE.exec(k);
    values[lookup ? lookup[1]! : k] = v;
  }
  return values;
}

/**
 * The sync engine's view of Dynamics 365 Sales, over the Dataverse connector. Reads normalise
 * lookups (`_x_value` → `x`); writes bind them (`nav@odata.bind`) and go out in `$batch` requests
 * of up to 1,000 operations, each operation on its own so one failure never drags others along.
 */
export function crmPort(client: DataverseClient): CrmPort {
  let whoAmI: string | undefined;
  let baseCurrency: string | null | undefined;
  const info = (entity: string): CrmEntityInfo => {
    const i = CRM_ENTITIES[entity];
    if (!i) throw new Error(`The CRM adapter does not know the table '${entity}'`);
    return i;
  };
  const toRecord = (e: CrmEntityInfo, row: DataverseRecord): CrmRecord => ({
    id: String(row[e.key]).toLowerCase(),
    version: Number(row.versionnumber ?? 0),
    modifiedBy: typeof row._modifiedby_value === 'string' ? row._modifiedby_value : null,
    values: crmValues(row),
  });

  /**
   * The versions the CRM gave our writes when its answers did not carry them, read back in one
   * query per 200 rows (asking for the representation of every write costs the server far more). A row someone else changed since is
   * left without a version, so that change is still seen as a change.
   */
  async function versionsAfterWrite(written: readonly CrmWrite[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const me = await port.integrationUserId();
    if (!me.ok) return out;
    const byEntity = new Map<string, string[]>();
    for (const w of written) byEntity.set(w.entity, [...(byEntity.get(w.entity) ?? []), w.id]);
    for (const [entity, ids] of byEntity) {
      const rows = await port.get(entity, ids);
      if (!rows.ok) continue;
      for (const r of rows.value.values()) if (r.modifiedBy === me.value) out.set(r.id, r.version);
    }
    return out;
  }

  const port: CrmPort = {
    async changes(entity, watermark) {
      // Through the slim pages (watermarks are slim delta links), then the rows in full.
      const ids: string[] = [];
      const deletedIds: string[] = [];
      let nextWatermark: string | undefined;
      for await (const page of port.changePages(entity, watermark)) {
        if (!page.ok) return page;
        for (const r of page.value.rows) ids.push(r.id);
        deletedIds.push(...page.value.deletedIds);
        nextWatermark = page.value.nextWatermark ?? nextWatermark;
      }
      if (nextWatermark === undefined)
        return failure('invalid_response', `Reading changes of ${entity} ended early`);
      const full = await port.get(entity, ids);
      if (!full.ok) return full;
      // A row deleted since the delta was read is left out (the next delta reports it).
      const rows = ids.flatMap((id) => full.value.get(id) ?? []);
      return ok({ rows, deletedIds, nextWatermark });
    },
    async *changePages(entity, watermark) {
      const e = info(entity);
      // Watermarks are kept relative to the Web API base, so they stay the org's, whatever address
      // the connection reaches it through; one stored absolute by an older version is read so too.
      const relative = (link: string) => relativeDeltaLink(client.apiUrl, link);
      const pages = client.trackChangePages(
        e.set,
        watermark ? { deltaLink: relative(watermark) } : { select: [e.key, ...SLIM_COLUMNS] },
      );
      for await (const page of pages) {
        if (!page.ok) return yield page;
        yield ok({
          rows: page.value.changed.map((row) => ({ ...toRecord(e, row), values: {} })),
          deletedIds: page.value.deleted,
          ...(page.value.deltaLink ? { nextWatermark: relative(page.value.deltaLink) } : {}),
        });
      }
    },
    async get(entity, ids) {
      const e = info(entity);
      const out = new Map<string, CrmRecord>();
      const add = (rows: readonly DataverseRecord[]) => {
        for (const row of rows) {
          const rec = toRecord(e, row);
          out.set(rec.id, rec);
        }
      };
      const valid = ids.filter((id) => GUID.test(id));
      const filters: string[] = [];
      for (let i = 0; i < valid.length; i += ID_CHUNK) {
        const chunk = valid.slice(i, i + ID_CHUNK);
        filters.push(
          `Microsoft.Dynamics.CRM.In(PropertyName='${e.key}',PropertyValues=[${chunk.map((id) => `'${id}'`).join(',')}])`,
        );
      }
      // One chunk is one GET; more go as the reads of one `$batch` (one request per 1,000 chunks,
      // each URL as short as a lone GET's).
      if (filters.length <= 1) {
        for (const filter of filters) {
          const rows = await client.collectAll(e.set, { filter }, { pageSize: 5000 });
          if (!rows.ok) return rows;
          add(rows.value);
        }
        return ok(out);
      }
      const results = await client.executeBatch(
        filters.map((filter) => ({ kind: 'query', entitySet: e.set, filter })),
      );
      for (const [i, r] of results.entries()) {
        if (!r.ok) return r;
        const value = r.value.body?.value;
        // A page cut short (never at 200 ids) is read again on its own, following every page.
        if (!Array.isArray(value) || r.value.body?.['@odata.nextLink']) {
          const rows = await client.collectAll(e.set, { filter: filters[i]! }, { pageSize: 5000 });
          if (!rows.ok) return rows;
          add(rows.value);
        } else add(value as DataverseRecord[]);
      }
      return ok(out);
    },
    async find(entity, conditions, top = 50) {
      const e = info(entity);
      // Mappings are validated when saved; this keeps a stored bad name from ever becoming OData.
      const bad = conditions.find((c) => !CRM_LOGICAL_NAME.test(c.field));
      if (bad) return failure('invalid_filter', `'${bad.field}' is not a CRM column name`);
      const filter = conditions.map((c) => odataCondition(e, c)).join(' and ');
      const r = await client.retrieveMultiple(e.set, { ...(filter ? { filter } : {}), top });
      if (!r.ok) return r;
      return ok(r.value.value.map((row) => toRecord(e, row)));
    },
    async write(writes) {
      const changeSetOf = (i: number) => `cs${Math.floor(i / CHANGE_SET_SIZE)}`;
      const ops: DataverseOperation[] = writes.map((w, i) => {
        const e = info(w.entity);
        const record = toPayload(e, w.values, w.kind);
        // Deep insert: related rows ride in the create's body, under their navigation property.
        for (const r of (w.kind === 'create' && w.related) || []) {
          const re = info(r.entity);
          const list = (record[r.navigation] as DataverseRecord[] | undefined) ?? [];
          list.push({ ...toPayload(re, r.values, 'create'), [re.key]: r.id });
          record[r.navigation] = list;
        }
        const changeSet = changeSetOf(i);
        return w.kind === 'create'
          ? {
              kind: 'create',
              entitySet: e.set,
              record: { ...record, [e.key]: w.id },
              id: w.id,
              primaryKey: e.key,
              changeSet,
            }
          : { kind: 'update', entitySet: e.set, id: w.id, patch: record, changeSet };
      });
      // Columns not valid for create: an update of the created record in its change set, after
      // the change set's creates (a run of creates of one table is what the server writes fastest).
      const followUps = new Map<number, number>();
      for (const [i, w] of writes.entries()) {
        if (w.kind !== 'create' || !w.updateAfter || Object.keys(w.updateAfter).length === 0)
          continue;
        const e = info(w.entity);
        followUps.set(i, ops.length);
        ops.push({
          kind: 'update',
          entitySet: e.set,
          id: w.id,
          patch: toPayload(e, w.updateAfter, 'update'),
          changeSet: changeSetOf(i),
        });
      }
      const opsOf = (i: number) => {
        const f = followUps.get(i);
        return f === undefined ? [i] : [i, f];
      };
      // Change sets are much cheaper for the server than standalone operations; a change set that
      // fails is sent again write by write, so one bad record never fails its neighbours (a write
      // with a follow-up update in a change set of its own: both land or neither).
      const results = await client.executeBatch(ops);
      // The CRM could not be reached at all: the whole write failed (sending each operation again
      // would only wait for the same outage once more). What may have landed before the
      // connection broke is settled by the next run (pending creates, retried updates).
      const first = results[0];
      if (first && !first.ok && results.every((r) => !r.ok && TRANSPORT_CODES.has(r.error.code)))
        return failure(first.error.code, first.error.message);
      const again = writes.flatMap((_, i) => (opsOf(i).every((j) => results[j]!.ok) ? [] : [i]));
      if (again.length > 0) {
        const indices = again.flatMap((i) =>
          opsOf(i).map((j) => ({ j, changeSet: followUps.has(i) ? `w${i}` : undefined })),
        );
        const single = await client.executeBatch(
          indices.map(({ j, changeSet }) => ({ ...ops[j]!, changeSet })),
        );
        indices.forEach(({ j }, k) => {
          results[j] = single[k]!;
        });
      }
      for (const [i, r] of results.entries()) {
        const op = ops[i]!;
        if (r.ok || op.kind !== 'update' || op.entitySet !== 'salesorders') continue;
        if (r.error.dataverseCode !== READ_ONLY_RECORD) continue;
        const retried = await updateSubmittedOrder(client, String(op.id), op.patch);
        if (retried) results[i] = retried;
      }
      // One result per write: its first failure, else its last operation's (the newest version).
      const outcome = writes.map((_, i) => {
        const own = opsOf(i).map((j) => results[j]!);
        return own.find((r) => !r.ok) ?? own[own.length - 1]!;
      });
      // A 204 usually carries the new ETag; only writes answered without one are read back.
      const versions = await versionsAfterWrite(
        writes.filter((_, i) => {
          const r = outcome[i]!;
          return r.ok && versionOf(r.value.etag) === null;
        }),
      );
      return ok(
        outcome.map(
          (r, i): CrmWriteResult =>
            r.ok
              ? {
                  ok: true,
                  version: versionOf(r.value.etag) ?? versions.get(writes[i]!.id) ?? null,
                }
              : { ok: false, message: r.error.message, notFound: r.error.status === 404 },
        ),
      );
    },
    ...crmMetadata(client),
    async baseCurrencyId() {
      if (baseCurrency !== undefined) return ok(baseCurrency);
      const r = await client.retrieveMultiple('organizations', {
        select: ['_basecurrencyid_value'],
        top: 1,
      });
      if (!r.ok) return r;
      const id = r.value.value[0]?._basecurrencyid_value;
      baseCurrency = typeof id === 'string' ? id.toLowerCase() : null;
      return ok(baseCurrency);
    },
    async integrationUserId() {
      if (whoAmI) return ok(whoAmI);
      const r = await client.whoAmI();
      if (!r.ok) return r;
      whoAmI = r.value.UserId.toLowerCase();
      return ok(whoAmI);
    },
    createOnlyColumns: (entity) => CREATE_ONLY.get(entity) ?? NONE,
    async delete(entity, ids) {
      const e = info(entity);
      if (!removalOf(entity).deletable) return ok(ids.map(() => notDeletable(entity)));
      // Each delete on its own (no change set): one record that cannot go never keeps others.
      const results = await client.executeBatch(
        ids.map((id) => ({ kind: 'delete' as const, entitySet: e.set, id })),
      );
      return ok(
        results.map(
          (r): CrmWriteResult =>
            r.ok
              ? { ok: true, version: null }
              : { ok: false, message: r.error.message, notFound: r.error.status === 404 },
        ),
      );
    },
    removal: (entity) => removalOf(entity),
  };
  return port;
}

/**
 * Users and currencies are never deleted in Dynamics 365 (users are disabled in Entra ID, a
 * currency in use cannot go); other tables with a state are deactivated (statecode 1: Inactive,
 * Retired for products) when a delete is refused.
 */
const NOT_DELETABLE = new Set(['systemuser', 'team', 'transactioncurrency', 'uomschedule', 'uom']);
const WITHOUT_STATE = new Set(['systemuser', 'team', 'uom', 'productpricelevel']);

const removalOf = (entity: string) => ({
  deletable: !NOT_DELETABLE.has(entity),
  ...(WITHOUT_STATE.has(entity) ? {} : { deactivate: { statecode: 1 } }),
});

const notDeletable = (entity: string): CrmWriteResult => ({
  ok: false,
  message: `Records of ${entity} cannot be deleted in Dynamics 365 Sales`,
  notFound: false,
});

/** Dataverse ETags are `W/"<versionnumber>"`. */
const versionOf = (etag: string | undefined): number | null => {
  const m = etag ? /"(\d+)"/.exec(etag) : null;
  return m ? Number(m[1]) : null;
};

const isLookup = (v: unknown): v is CrmLookupValue =>
  typeof v === 'object' && v !== null && 'lookupEntity' in v;

/**
 * A write's values as a Dataverse body. A lookup binds its navigation property; an emptied lookup
 * binds it to null, which clears it on an update (Learn: "Associate and disassociate table rows
 * using the Web API") — a create has nothing to clear, so it leaves it out.
 */
function toPayload(
  e: CrmEntityInfo,
  values: Record<string, unknown>,
  write: 'create' | 'update',
): DataverseRecord {
  const out: DataverseRecord = {};
  for (const column in values) {
    if (TYPE_COLUMNS.has(column)) continue;
    const value = values[column];
    const lookup = e.lookups[column];
    if (lookup || isLookup(value)) {
      const target = isLookup(value) ? value : undefined;
      const nav = `${lookup?.nav ?? column}@odata.bind`;
      if (!target?.id) {
        if (write === 'update') out[nav] = null;
        continue;
      }
      const targetInfo = CRM_ENTITIES[target.lookupEntity];
      if (!targetInfo) continue;
      out[nav] = `/${targetInfo.set}(${target.id})`;
      continue;
    }
    out[column] = value;
  }
  return out;
}
