import type { Queryable } from '../../db/db.ts';
import { fail, type Result } from '../../shared/result.ts';
import { couplingsByErpIds } from '../couplings/coupling-repo.ts';
import { type SyncErrorCode, type SyncFailure, syncFailure } from '../errors.ts';
import {
  type FieldMapping,
  fieldCovers,
  type LookupSpec,
  type PassDirection,
  type TableMapping,
} from '../model.ts';
import type { CrmPort, ErpPort } from '../ports.ts';
import type { LookupTranslator } from './field-transfer.ts';
import { isEmpty, transform } from './values.ts';

/**
 * Translates lookup fields through the couplings of the related mapping, with a cache per run:
 * ERP code → ERP record → coupling → CRM id (and back). An uncoupled target fails the record with a
 * message naming the record to couple first — this is how dependency order shows to users.
 */
export function couplingLookups(
  db: Queryable,
  erp: ErpPort,
  crm: CrmPort,
  mappings: ReadonlyMap<string, TableMapping>,
): LookupTranslator {
  // Per lookup field and direction, by value: asked for every lookup field of every record, so a
  // hit builds no key string and awaits nothing (`cached`).
  type Cache = Map<string, Result<unknown, SyncFailure>>;
  const caches = new WeakMap<LookupSpec, Record<PassDirection, Cache>>();
  const cacheFor = (spec: LookupSpec, pass: PassDirection): Cache => {
    let byPass = caches.get(spec);
    if (!byPass) {
      byPass = { ToIntegrationTable: new Map(), FromIntegrationTable: new Map() };
      caches.set(spec, byPass);
    }
    return byPass[pass];
  };
  return {
    createOnly: (entity) => crm.createOnlyColumns(entity),
    cached: (field, value, pass) => cacheFor(field.lookup!, pass).get(String(value)),
    async translate(field: FieldMapping, value: unknown, pass: PassDirection) {
      const spec = field.lookup!;
      const cache = cacheFor(spec, pass);
      const key = String(value);
      const hit = cache.get(key);
      if (hit) return hit;
      const related = mappings.get(spec.mapping);
      const result =
        related?.crmEntity === 'transactioncurrency' ? await localCurrency(pass, value) : undefined;
      if (result) {
        cache.set(key, result);
        return result;
      }
      if (value === null) {
        const none = { ok: true as const, value: null };
        cache.set(key, none);
        return none;
      }
      const translated = !related
        ? refused(
            'lookup_mapping_missing',
            `Lookup of ${field.erpField ?? field.crmField} needs mapping ${spec.mapping}, which does not exist`,
          )
        : pass === 'ToIntegrationTable'
          ? await toCrm(db, erp, related, spec.erpKey, value)
          : await toErp(db, erp, related, spec.erpKey, value);
      cache.set(key, translated);
      return translated;
    },

    /**
     * The ERP → CRM lookups of a chunk in one read per related table and one of their couplings
     * (instead of two queries per record), into the cache `translate` answers from. Values it
     * does not find are left to `translate`, which says why.
     */
    async warm(m, pass, sources) {
      if (pass !== 'ToIntegrationTable') return;
      for (const field of m.fields) {
        const spec = field.lookup;
        const source = field.erpField;
        if (!spec || !source || !field.enabled || !fieldCovers(field.direction, pass)) continue;
        const related = mappings.get(spec.mapping);
        if (!related || related.isOptionMapping || related.crmEntity === 'transactioncurrency')
          continue;
        const cache = cacheFor(spec, pass);
        const values = new Set<string>();
        for (const row of sources) {
          const v = transform(row[source], field.transformation);
          if (!isEmpty(v) && !cache.has(String(v))) values.add(String(v));
        }
        if (values.size === 0) continue;
        const byValue = new Map<string, string>();
        for (const r of await erp.findMany(related.erpTable, spec.erpKey, [...values])) {
          const v = String(r.values[spec.erpKey]);
          if (values.has(v) && !byValue.has(v)) byValue.set(v, r.id);
        }
        // Id by id through the unique index: `erp_id = ANY(…)` walked every coupling of the table
        // per chunk while a full synchronization outran the statistics (CONTACT's parent
        // accounts: 150 ms a chunk at 100,000 customers; docs/sync-engine.md, eleventh round).
        const coupled = await couplingsByErpIds(db, related.erpTable, [...byValue.values()]);
        for (const [v, erpId] of byValue) {
          const c = coupled.get(erpId);
          const crmId = c?.state === 'coupled' ? c.crmId : undefined;
          cache.set(
            v,
            crmId
              ? { ok: true as const, value: { lookupEntity: related.crmEntity, id: crmId } }
              : notCoupled(related, v),
          );
        }
      }
    },
  };

  /**
   * The ERP's local currency has a blank code; in the CRM it is the organization's base currency
   * (BC's CURRENCY mapping). Returns undefined when the value is an ordinary currency.
   */
  async function localCurrency(pass: PassDirection, value: unknown) {
    const base = await crm.baseCurrencyId();
    if (!base.ok || !base.value) return undefined;
    if (pass === 'ToIntegrationTable' && value === null) {
      return { ok: true as const, value: { lookupEntity: 'transactioncurrency', id: base.value } };
    }
    if (pass === 'FromIntegrationTable' && String(value).toLowerCase() === base.value)
      return { ok: true as const, value: null };
    return undefined;
  }
}

const label = (m: TableMapping, value: unknown) =>
  `${m.erpTable} '${String(value)}' (mapping ${m.name})`;

async function toCrm(
  db: Queryable,
  erp: ErpPort,
  related: TableMapping,
  erpKey: string,
  value: unknown,
) {
  const records = await erp.findBy(related.erpTable, erpKey, value, true);
  const record = records[0];
  if (!record)
    return refused('lookup_target_missing', `${label(related, value)} does not exist in the ERP`);
  if (related.isOptionMapping) {
    const r = await db.query<{ option_value: number }>(
      'SELECT option_value FROM integration.option_couplings WHERE mapping_name = $1 AND erp_id = $2',
      [related.name, record.id],
    );
    if (!r.rows[0]) return notCoupled(related, value);
    return { ok: true as const, value: r.rows[0].option_value };
  }
  const r = await db.query<{ crm_id: string }>(
    "SELECT crm_id FROM integration.couplings WHERE erp_table = $1 AND erp_id = $2 AND state = 'coupled'",
    [related.erpTable, record.id],
  );
  if (!r.rows[0]) return notCoupled(related, value);
  return { ok: true as const, value: { lookupEntity: related.crmEntity, id: r.rows[0].crm_id } };
}

async function toErp(
  db: Queryable,
  erp: ErpPort,
  related: TableMapping,
  erpKey: string,
  value: unknown,
) {
  let erpId: string | undefined;
  if (related.isOptionMapping) {
    const r = await db.query<{ erp_id: string }>(
      'SELECT erp_id FROM integration.option_couplings WHERE mapping_name = $1 AND option_value = $2',
      [related.name, Number(value)],
    );
    erpId = r.rows[0]?.erp_id;
  } else {
    const r = await db.query<{ erp_id: string }>(
      "SELECT erp_id FROM integration.couplings WHERE crm_entity = $1 AND crm_id = $2 AND state = 'coupled'",
      [related.crmEntity, String(value)],
    );
    erpId = r.rows[0]?.erp_id;
  }
  if (!erpId) {
    return refused(
      'lookup_not_coupled',
      `The ${related.crmEntity} ${String(value)} must be coupled to a record of ${related.erpTable} (mapping ${related.name}) first`,
    );
  }
  const found = (await erp.get(related.erpTable, [erpId])).get(erpId);
  if (!found)
    return refused(
      'lookup_target_missing',
      `The coupled ${related.erpTable} record ${erpId} no longer exists in the ERP`,
    );
  return { ok: true as const, value: found.values[erpKey] ?? null };
}

const notCoupled = (related: TableMapping, value: unknown) =>
  refused(
    'lookup_not_coupled',
    `${label(related, value)} must be coupled to a record in Dynamics 365 Sales first`,
  );

const refused = (code: SyncErrorCode, message: string) => fail(syncFailure(code, message));
