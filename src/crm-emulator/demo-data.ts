import type { AppContext } from '../app/context.ts';
import type { Db } from '../db/db.ts';
import { newId } from '../shared/ids.ts';
import type { WriteContext } from './api/types.ts';
import { createRecords } from './api/writes.ts';
import { mustEntity } from './catalogue/index.ts';
import { seedBaseData } from './seed.ts';
import { lockForWrite } from './store/records.ts';
import { readPayload } from './store/values.ts';

/** Accounts (with their contacts) that the demo org has and the ERP does not. */
const ACCOUNTS = [
  {
    name: 'Bellows College',
    city: 'Trondheim',
    country: 'NO',
    postalcode: '7010',
    contacts: [
      ['Sofie', 'Haugen'],
      ['Emil', 'Strand'],
    ],
  },
  {
    name: 'Southridge Video AB',
    city: 'Göteborg',
    country: 'SE',
    postalcode: '411 04',
    contacts: [['Alva', 'Lindqvist']],
  },
  {
    name: 'VanArsdel GmbH',
    city: 'Köln',
    country: 'DE',
    postalcode: '50667',
    contacts: [
      ['Paul', 'Becker'],
      ['Lena', 'Vogel'],
    ],
  },
] as const;

/**
 * Demo sales data of the emulated org: a few accounts with contacts, entered by the salesperson
 * Annette Hill (so they are user edits, not the integration's), that exist only in the CRM until
 * someone creates them in the ERP. Added once, to an org without accounts.
 */
export async function seedCrmDemo(ctx: AppContext): Promise<string | undefined> {
  return seedCrmDemoData(ctx.db);
}

export async function seedCrmDemoData(db: Db): Promise<string | undefined> {
  const org = await seedBaseData(db);
  return db.transaction(async (tx) => {
    await lockForWrite(tx);
    const any = await tx.query("SELECT 1 FROM crm.records WHERE entity = 'account' LIMIT 1");
    if (any.rowCount) return undefined;
    const user = await tx.query<{ id: string }>(
      "SELECT id FROM crm.records WHERE entity = 'systemuser' AND data->>'fullname' = 'Annette Hill'",
    );
    const annette = user.rows[0]?.id;
    if (!annette) return undefined;
    const w: WriteContext = {
      db,
      q: tx,
      caller: { clientId: 'demo', systemUserId: annette },
      org,
      apiUrl: '',
      now: new Date(),
      prefs: {
        returnRepresentation: false,
        trackChanges: false,
        continueOnError: false,
        annotations: [],
      },
    };
    const account = mustEntity('account');
    const contact = mustEntity('contact');
    let contacts = 0;
    for (const a of ACCOUNTS) {
      const id = newId();
      const domain = a.name.toLowerCase().replace(/[^a-z]+/g, '');
      await createRecords(w, account, [
        {
          id,
          payload: readPayload(
            account,
            {
              name: a.name,
              customertypecode: 3,
              address1_city: a.city,
              address1_country: a.country,
              address1_postalcode: a.postalcode,
              emailaddress1: `info@${domain}.example`,
              websiteurl: `https://www.${domain}.example`,
            },
            () => undefined,
          ),
        },
      ]);
      for (const [first, last] of a.contacts) {
        await createRecords(w, contact, [
          {
            payload: readPayload(
              contact,
              {
                firstname: first,
                lastname: last,
                emailaddress1: `${first}.${last}@${domain}.example`.toLowerCase(),
                address1_city: a.city,
                address1_country: a.country,
                'parentcustomerid_account@odata.bind': `/accounts(${id})`,
              },
              () => undefined,
            ),
          },
        ]);
        contacts++;
      }
    }
    return `CRM: ${ACCOUNTS.length} accounts and ${contacts} contacts entered by Annette Hill`;
  });
}
