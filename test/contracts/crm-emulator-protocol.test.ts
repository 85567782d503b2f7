import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DynamicsWebApi } from 'dynamics-web-api';
import { operationNames } from '../../src/crm-emulator/api/router.ts';
import { isOrgResource } from '../../src/crm-emulator/auth/tokens.ts';
import { crmToken, startTestCrmEmulator } from '../helpers/crm-emulator.ts';
import { createMigratedDb } from '../helpers/database.ts';

/**
 * The Dataverse emulator's formerly silent gaps, driven by dynamics-web-api (a client nobody here
 * wrote) and plain HTTP: FetchXML, saved queries, token audiences, $metadata, the metadata API,
 * RetrieveMetadataChanges, deep insert and lambda operators.
 */

let db: Awaited<ReturnType<typeof createMigratedDb>>;
let emulator: Awaited<ReturnType<typeof startTestCrmEmulator>>;
let client: DynamicsWebApi;
let token: string;

before(async () => {
  db = await createMigratedDb('contracts_crm');
  emulator = await startTestCrmEmulator(db);
  token = await crmToken(emulator, emulator.clientId, emulator.clientSecret);
  client = new DynamicsWebApi({
    serverUrl: emulator.baseUrl,
    dataApi: { version: '9.2' },
    onTokenRefresh: async () => token,
  });
});
after(async () => {
  await emulator?.stop();
  await db?.drop();
});

const api = (path: string, init: RequestInit = {}, bearer = token) =>
  fetch(`${emulator.apiUrl}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${bearer}`,
      accept: 'application/json',
      'odata-version': '4.0',
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string>),
    },
  });

describe('Dataverse emulator protocol gaps', () => {
  test('11. deep insert: an account with its contacts and a new primary contact, in one POST', async () => {
    const res = await api('accounts', {
      method: 'POST',
      headers: { prefer: 'return=representation' },
      body: JSON.stringify({
        name: 'Deep Ltd',
        accountnumber: 'DEEP-1',
        primarycontactid: { firstname: 'Pat', lastname: 'Primary' },
        contact_customer_accounts: [
          { firstname: 'Ann', lastname: 'One' },
          { firstname: 'Bob', lastname: 'Two' },
        ],
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const account = (await res.json()) as { accountid: string; _primarycontactid_value: string };
    const contacts = await client.retrieveMultiple<{ lastname: string }>({
      collection: 'contacts',
      select: ['lastname'],
      filter: `_parentcustomerid_value eq ${account.accountid}`,
      orderBy: ['lastname'],
    });
    assert.deepEqual(
      contacts.value.map((c) => c.lastname),
      ['One', 'Two'],
    );
    const primary = await client.retrieve<{ lastname: string }>({
      collection: 'contacts',
      key: account._primarycontactid_value,
      select: ['lastname'],
    });
    assert.equal(primary.lastname, 'Primary');
    // one bad related record: nothing is written
    const bad = await api('accounts', {
      method: 'POST',
      body: JSON.stringify({ name: 'Half Ltd', contact_customer_accounts: [{ shoesize: 44 }] }),
    });
    assert.equal(bad.status, 400);
    const half = await client.retrieveMultiple({
      collection: 'accounts',
      filter: "name eq 'Half Ltd'",
    });
    assert.equal(half.value.length, 0);
  });

  test('11. lambda operators any/all in $filter', async () => {
    await api('accounts', {
      method: 'POST',
      body: JSON.stringify({ name: 'Empty Ltd', accountnumber: 'DEEP-2' }),
    });
    const any = await client.retrieveMultiple<{ name: string }>({
      collection: 'accounts',
      select: ['name'],
      filter: "contact_customer_accounts/any(c: c/lastname eq 'Two')",
    });
    assert.deepEqual(
      any.value.map((a) => a.name),
      ['Deep Ltd'],
    );
    const all = await client.retrieveMultiple<{ name: string }>({
      collection: 'accounts',
      select: ['name'],
      filter:
        "startswith(accountnumber,'DEEP') and contact_customer_accounts/all(c: c/firstname ne 'Bob')",
      orderBy: ['name'],
    });
    assert.deepEqual(
      all.value.map((a) => a.name),
      ['Empty Ltd'],
    );
    const anyAtAll = await client.retrieveMultiple<{ name: string }>({
      collection: 'accounts',
      select: ['name'],
      filter: "startswith(accountnumber,'DEEP') and contact_customer_accounts/any()",
    });
    assert.deepEqual(
      anyAtAll.value.map((a) => a.name),
      ['Deep Ltd'],
    );
  });

  test('8. fetch() and fetchAll() with FetchXML: conditions, order, paging cookie, link-entity', async () => {
    for (let i = 0; i < 7; i++) {
      await client.create({
        collection: 'accounts',
        data: { name: `Fetch ${i}`, accountnumber: `F-${i}`, numberofemployees: i * 10 },
      });
    }
    const fetchXml = `<fetch count="3"><entity name="account"><attribute name="name"/><attribute name="numberofemployees"/>
      <filter type="and"><condition attribute="name" operator="like" value="Fetch%"/>
      <filter type="or"><condition attribute="numberofemployees" operator="ge" value="20"/><condition attribute="accountnumber" operator="in"><value>F-0</value></condition></filter></filter>
      <order attribute="numberofemployees" descending="true"/></entity></fetch>`;
    const first = await client.fetch<{ name: string }>({ collection: 'accounts', fetchXml });
    assert.deepEqual(
      first.value.map((a) => a.name),
      ['Fetch 6', 'Fetch 5', 'Fetch 4'],
    );
    assert.ok(first.PagingInfo, 'a paging cookie comes with the first page');
    const all = await client.fetchAll<{ name: string }>({ collection: 'accounts', fetchXml });
    assert.deepEqual(
      all.value.map((a) => a.name),
      ['Fetch 6', 'Fetch 5', 'Fetch 4', 'Fetch 3', 'Fetch 2', 'Fetch 0'],
    );
    const linked = await client.fetch<Record<string, unknown>>({
      collection: 'accounts',
      fetchXml: `<fetch><entity name="account"><attribute name="name"/>
        <link-entity name="contact" from="contactid" to="primarycontactid" alias="pc" link-type="inner">
          <attribute name="lastname"/><filter><condition attribute="lastname" operator="eq" value="Primary"/></filter>
        </link-entity></entity></fetch>`,
    });
    assert.equal(linked.value.length, 1);
    assert.equal(linked.value[0]!['name'], 'Deep Ltd');
    assert.equal((linked.value[0]!['pc'] as { lastname: string }).lastname, 'Primary');
    const outer = await client.fetch<Record<string, unknown>>({
      collection: 'accounts',
      fetchXml: `<fetch><entity name="account"><attribute name="name"/><filter><condition attribute="accountnumber" operator="begins-with" value="DEEP"/></filter>
        <order attribute="name"/><link-entity name="contact" from="contactid" to="primarycontactid" alias="pc" link-type="outer"><attribute name="lastname"/></link-entity></entity></fetch>`,
    });
    assert.deepEqual(
      outer.value.map((a) => [a['name'], (a['pc'] as { lastname?: string } | undefined)?.lastname]),
      [
        ['Deep Ltd', 'Primary'],
        ['Empty Ltd', undefined],
      ],
    );
    const children = await client.fetch<{ name: string }>({
      collection: 'accounts',
      fetchXml: `<fetch><entity name="account"><attribute name="name"/><link-entity name="contact" from="parentcustomerid" to="accountid" link-type="inner"><filter><condition attribute="firstname" operator="eq" value="Ann"/></filter></link-entity></entity></fetch>`,
    });
    assert.deepEqual(
      children.value.map((a) => a.name),
      ['Deep Ltd'],
    );
  });

  test('8. FetchXML outside the subset, savedQuery and userQuery are refused with 400', async () => {
    for (const fetchXml of [
      '<fetch aggregate="true"><entity name="account"><attribute name="name" aggregate="count" alias="n"/></entity></fetch>',
      '<fetch><entity name="contact"><attribute name="lastname"/></entity></fetch>',
      '<fetch><entity name="account"><filter><condition attribute="name" operator="under" value="x"/></filter></entity></fetch>',
      '<fetch><entity name="account"><attribute name="nosuchcolumn"/></entity></fetch>',
      '<fetch><entity name="account">',
    ]) {
      const res = await api(`accounts?fetchXml=${encodeURIComponent(fetchXml)}`);
      assert.equal(res.status, 400, fetchXml);
      assert.ok(((await res.json()) as { error: { message: string } }).error.message);
    }
    for (const q of [`savedQuery=${crypto.randomUUID()}`, `userQuery=${crypto.randomUUID()}`]) {
      const res = await api(`accounts?${q}`);
      assert.equal(res.status, 400, q);
    }
  });

  test('9. tokens: an unknown resource is AADSTS500011; a token for another audience gets 401', async () => {
    const res = await fetch(emulator.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as {
      error: string;
      error_description: string;
      error_codes: number[];
    };
    assert.equal(body.error, 'invalid_resource');
    assert.match(body.error_description, /^AADSTS500011/);
    assert.deepEqual(body.error_codes, [500011]);
    // A token whose audience is another org is refused even with a good signature: the check
    // compares the audience with the org URL (tokens of this emulator cannot carry another one).
    assert.equal(isOrgResource('https://other.crm.dynamics.com', emulator.baseUrl), false);
    assert.equal(isOrgResource(`${emulator.baseUrl}/`, emulator.baseUrl), true);
    assert.equal(
      isOrgResource(emulator.baseUrl.replace('127.0.0.1', 'localhost'), emulator.baseUrl),
      true,
    );
    assert.equal(isOrgResource(`${emulator.baseUrl}/api`, emulator.baseUrl), false);
    const [head, claims] = token.split('.') as [string, string, string];
    const other = JSON.parse(Buffer.from(claims, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    other['aud'] = 'https://other.crm.dynamics.com';
    const tampered = `${head}.${Buffer.from(JSON.stringify(other)).toString('base64url')}.x`;
    assert.equal((await api('WhoAmI', {}, tampered)).status, 401);
    assert.equal((await api('WhoAmI')).status, 200);
  });

  test('10. $metadata declares option sets as enum types and every operation served', async () => {
    const xml = await (await api('$metadata')).text();
    assert.match(xml, /<EnumType Name="account_customertypecode" UnderlyingType="Edm.Int32">/);
    assert.match(
      xml,
      /<EnumType Name="account_statecode" UnderlyingType="Edm.Int32"><Member Name="Active" Value="0"\/>/,
    );
    for (const [name] of operationNames()) {
      if (name === '$metadata') continue;
      assert.match(xml, new RegExp(`<(Function|Action) Name="${name}"`), name);
    }
  });

  test('10. EntityDefinitions with Attributes, $select, $expand and option sets', async () => {
    const one = (await (
      await api(
        "EntityDefinitions(LogicalName='account')?$select=LogicalName,EntitySetName,PrimaryIdAttribute&$expand=Attributes($select=LogicalName,AttributeType)",
      )
    ).json()) as {
      LogicalName: string;
      EntitySetName: string;
      PrimaryIdAttribute: string;
      DisplayName?: unknown;
      Attributes: { LogicalName: string; AttributeType: string }[];
    };
    assert.equal(one.EntitySetName, 'accounts');
    assert.equal(one.PrimaryIdAttribute, 'accountid');
    assert.equal(one.DisplayName, undefined);
    assert.ok(one.Attributes.some((a) => a.LogicalName === 'name' && a.AttributeType === 'String'));
    assert.ok(
      one.Attributes.some(
        (a) => a.LogicalName === 'primarycontactid' && a.AttributeType === 'Lookup',
      ),
    );
    const list = (await (
      await api("EntityDefinitions?$select=LogicalName&$filter=LogicalName eq 'contact'")
    ).json()) as {
      value: { LogicalName: string }[];
    };
    assert.deepEqual(
      list.value.map((e) => e.LogicalName),
      ['contact'],
    );
    const picklists = (await (
      await api(
        "EntityDefinitions(LogicalName='account')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet",
      )
    ).json()) as { value: { LogicalName: string; OptionSet: { Options: { Value: number }[] } }[] };
    const ctc = picklists.value.find((a) => a.LogicalName === 'customertypecode');
    assert.ok(ctc?.OptionSet.Options.some((o) => o.Value === 3));
    const attr = (await (
      await api("EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='lastname')")
    ).json()) as {
      MaxLength: number;
    };
    assert.ok(attr.MaxLength > 0);
    // A polymorphic lookup's target table is an attribute of its own, beside the lookup.
    const typeOf = (await (
      await api(
        "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='parentcustomeridtype')?$select=AttributeType,AttributeOf",
      )
    ).json()) as { AttributeType: string; AttributeOf: string; '@odata.type': string };
    assert.equal(typeOf['@odata.type'], '#Microsoft.Dynamics.CRM.EntityNameAttributeMetadata');
    assert.equal(typeOf.AttributeType, 'EntityName');
    assert.equal(typeOf.AttributeOf, 'parentcustomerid');
    assert.ok(one.Attributes.some((a) => a.LogicalName === 'owneridtype'));
    assert.ok(!one.Attributes.some((a) => a.LogicalName === 'primarycontactidtype'));
  });

  test('10. RetrieveMetadataChanges answers entity and attribute lists from the same catalogue', async () => {
    const query = {
      Criteria: {
        FilterOperator: 'And',
        Conditions: [
          {
            PropertyName: 'LogicalName',
            ConditionOperator: 'In',
            Value: { Type: 'System.String[]', Value: ['account', 'contact'] },
          },
        ],
      },
      Properties: {
        AllProperties: false,
        PropertyNames: ['LogicalName', 'EntitySetName', 'Attributes'],
      },
      AttributeQuery: {
        Properties: { AllProperties: false, PropertyNames: ['LogicalName', 'AttributeType'] },
        Criteria: {
          Conditions: [
            {
              PropertyName: 'AttributeType',
              ConditionOperator: 'Equals',
              Value: { Type: 'System.String', Value: 'Picklist' },
            },
          ],
        },
      },
    };
    const res = await api(
      `RetrieveMetadataChanges(Query=@q)?@q=${encodeURIComponent(JSON.stringify(query))}`,
    );
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as {
      EntityMetadata: {
        LogicalName: string;
        EntitySetName: string;
        Attributes: { LogicalName: string; AttributeType: string }[];
      }[];
      ServerVersionStamp: string;
    };
    assert.deepEqual(body.EntityMetadata.map((e) => e.LogicalName).sort(), ['account', 'contact']);
    const account = body.EntityMetadata.find((e) => e.LogicalName === 'account')!;
    assert.ok(account.Attributes.length > 0);
    assert.ok(account.Attributes.every((a) => a.AttributeType === 'Picklist'));
    const again = await api(
      `RetrieveMetadataChanges(Query=@q,ClientVersionStamp=@s)?@q=${encodeURIComponent(JSON.stringify(query))}&@s=${encodeURIComponent(JSON.stringify(body.ServerVersionStamp).slice(1, -1))}`,
    );
    const unchanged = (await again.json()) as { EntityMetadata: unknown[] };
    assert.deepEqual(unchanged.EntityMetadata, []);
  });
});
