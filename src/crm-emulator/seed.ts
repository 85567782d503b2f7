import type { Db } from '../db/db.ts';
import { type Clock, systemClock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { OrgFacts } from './api/types.ts';
import { insertRecords, lockForWrite } from './store/records.ts';

export interface BaseCurrency {
  readonly code: string;
  readonly name: string;
  readonly symbol: string;
}

export interface SeedResult extends OrgFacts {
  /** The SYSTEM user that owns what the emulator creates itself. */
  readonly systemUserId: string;
}

/**
 * Salespeople of a fresh demo org: licensed, interactive users. Jim Olive, Linda Torres and Peter
 * Saddow are the ERP demo company's salespeople too (coupled by name); Annette Hill and Linda
 * Martin exist only in the CRM.
 */
export const DEMO_USERS = [
  { firstname: 'Annette', lastname: 'Hill', email: 'annette.hill@kobling.example' },
  { firstname: 'Jim', lastname: 'Olive', email: 'jim.olive@kobling.example' },
  { firstname: 'Linda', lastname: 'Martin', email: 'linda.martin@kobling.example' },
  { firstname: 'Linda', lastname: 'Torres', email: 'linda.torres@kobling.example' },
  { firstname: 'Peter', lastname: 'Saddow', email: 'peter.saddow@kobling.example' },
];

async function readFacts(db: Db): Promise<SeedResult | undefined> {
  const r = await db.query<{ id: string; data: Record<string, string> }>(
    "SELECT id, data FROM crm.records WHERE entity = 'organization' LIMIT 1",
  );
  const org = r.rows[0];
  if (!org) return undefined;
  return {
    organizationId: org.id,
    baseCurrencyId: org.data._basecurrencyid_value!,
    businessUnitId: org.data.rootbusinessunitid!,
    systemUserId: org.data.systemuserid!,
  };
}

/**
 * Gives a new emulator database what a fresh Dynamics 365 Sales org has: organization with its base
 * currency, root business unit and default team, SYSTEM and three salespeople, the default unit
 * group and a default price list. Does nothing when the org exists.
 */
export async function seedBaseData(
  db: Db,
  currency: BaseCurrency = { code: 'USD', name: 'US Dollar', symbol: '$' },
  orgName = 'Kobling Demo',
  clock: Clock = systemClock,
): Promise<SeedResult> {
  const found = await readFacts(db);
  if (found) return found;
  await db.transaction(async (tx) => {
    await lockForWrite(tx);
    const again = await tx.query("SELECT 1 FROM crm.records WHERE entity = 'organization'");
    if (again.rowCount) return;
    const now = clock.now();
    const [orgId, buId, currencyId, systemId, teamId, groupId, uomId, priceListId] = Array.from(
      { length: 8 },
      newId,
    ) as [string, string, string, string, string, string, string, string];
    const sys = { _createdby_value: systemId, _modifiedby_value: systemId };
    const active = { statecode: 0, statuscode: 1 };
    const put = (entity: string, rows: { id: string; data: Record<string, unknown> }[]) =>
      insertRecords(
        tx,
        entity,
        rows.map((r) => ({ id: r.id, data: { ...sys, ...r.data } })),
        now,
      );
    await put('businessunit', [{ id: buId, data: { name: orgName, isdisabled: false } }]);
    // Written straight to the store, so the table's defaults are given here: SYSTEM is not a
    // licensed user, the salespeople are (what a user filter on islicensed relies on).
    const user = (id: string, first: string, last: string, email: string, accessmode = 0) => ({
      id,
      data: {
        firstname: first,
        lastname: last,
        fullname: `${first} ${last}`.trim(),
        domainname: email,
        internalemailaddress: email,
        isdisabled: false,
        islicensed: accessmode === 0,
        isintegrationuser: false,
        accessmode,
        _businessunitid_value: buId,
      },
    });
    await put('systemuser', [
      user(systemId, '', 'SYSTEM', 'system@kobling.example', 4),
      ...DEMO_USERS.map((u) => user(newId(), u.firstname, u.lastname, u.email)),
    ]);
    await put('transactioncurrency', [
      {
        id: currencyId,
        data: {
          currencyname: currency.name,
          isocurrencycode: currency.code,
          currencysymbol: currency.symbol,
          currencyprecision: 2,
          exchangerate: 1,
          currencytype: 0,
          ...active,
        },
      },
    ]);
    await put('organization', [
      {
        id: orgId,
        data: {
          name: orgName,
          _basecurrencyid_value: currencyId,
          expirechangetrackingindays: 7,
          // Internal facts (not columns of the table, never serialized).
          rootbusinessunitid: buId,
          systemuserid: systemId,
        },
      },
    ]);
    await put('team', [
      {
        id: teamId,
        data: {
          name: orgName,
          teamtype: 0,
          isdefault: true,
          _businessunitid_value: buId,
          _administratorid_value: systemId,
        },
      },
    ]);
    await put('uomschedule', [
      { id: groupId, data: { name: 'Default Unit', baseuomname: 'Primary Unit', ...active } },
    ]);
    await put('uom', [
      {
        id: uomId,
        data: {
          name: 'Primary Unit',
          _uomscheduleid_value: groupId,
          _baseuom_value: uomId,
          quantity: 1,
          isschedulebaseuom: true,
        },
      },
    ]);
    await put('pricelevel', [
      {
        id: priceListId,
        data: {
          name: 'Default Price List',
          _transactioncurrencyid_value: currencyId,
          exchangerate: 1,
          statecode: 0,
          statuscode: 100001,
        },
      },
    ]);
  });
  return (await readFacts(db))!;
}
