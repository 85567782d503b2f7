import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runMapping } from '../../src/sync/engine/run-mapping.ts';
import { callJson, signIn, startTestServer } from '../helpers/server.ts';
import { coupledCustomers, runPair } from '../helpers/sync-data.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { startSyncFixture } from './sync-fixture.ts';

// A choice column an option mapping couples (payment terms, shipment method) holds an option
// value, not an id: a job's writes label it from the option couplings, per column — `1` is
// *Net 30* in the account's payment terms and *FOB* in its freight terms (docs/sync-engine.md,
// "Undo a job", "Option values by label").
const fx = useFixture(startSyncFixture, async (f) => {
  await f.db.query(
    `INSERT INTO erp.payment_terms (code, display_name) VALUES ('NET 30', 'Net 30 days'), ('14 DAYS', '14 days')`,
  );
  await f.db.query(
    `INSERT INTO erp.shipment_methods (code, display_name) VALUES ('FOB', 'Free on board')`,
  );
  for (const name of ['PAYMENT TERMS', 'SHIPMENT METHOD'])
    assert.equal((await runMapping(f.ctx, f.mapping(name)))[0]!.counters.failed, 0);
});

const optionOf = async (code: string) =>
  (
    await fx.db.query<{ option_value: number }>(
      `SELECT c.option_value FROM integration.option_couplings c
         JOIN erp.payment_terms t ON t.id = c.erp_id AND c.mapping_name = 'PAYMENT TERMS'
        WHERE t.code = $1
       UNION ALL
       SELECT c.option_value FROM integration.option_couplings c
         JOIN erp.shipment_methods s ON s.id = c.erp_id AND c.mapping_name = 'SHIPMENT METHOD'
        WHERE s.code = $1`,
      [code],
    )
  ).rows[0]!.option_value;

test('option values the job wrote go by their labels, per column; an ERP code stays the code; a value no code is coupled to stays the value', async () => {
  const [p] = await coupledCustomers(
    fx,
    `INSERT INTO erp.customers (number, display_name, payment_terms_code)
     VALUES ('C30001', 'Terms customer', '14 DAYS') RETURNING id`,
  );
  const [fourteen, net30, fob] = [
    await optionOf('14 DAYS'),
    await optionOf('NET 30'),
    await optionOf('FOB'),
  ];
  // The catalogue's option sets both start at 1: the same value, two labels.
  assert.deepEqual([net30, fob], [1, 1]);
  assert.ok(fourteen >= 100_000_000, 'the option pass added 14 DAYS to the option set');

  await fx.db.query(
    "UPDATE erp.customers SET payment_terms_code = 'NET 30', shipment_method_code = 'FOB' WHERE id = $1",
    [p!.erp],
  );
  const [toCrm] = await runPair(fx, p!, 'ToIntegrationTable');
  assert.equal(toCrm!.counters.modified, 1, toCrm!.message);
  // Back in the CRM: the ERP write carries the codes.
  assert.ok((await fx.user.update('accounts', p!.crm, { paymenttermscode: fourteen })).ok);
  const [toErp] = await runPair(fx, p!, 'FromIntegrationTable');
  assert.equal(toErp!.counters.modified, 1, toErp!.message);

  const server = await startTestServer(fx.db, undefined, { KOBLING_SECRET_KEY: 'k'.repeat(40) });
  try {
    const admin = await server.tokenFor('admin', 'options-admin');
    const writeOf = async (jobId: string) => {
      const r = await callJson(
        `${server.baseUrl}/api/integration/v1/jobs/${jobId}/writes`,
        'GET',
        admin,
      );
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.value.length, 1);
      return r.json.value[0] as Record<string, unknown>;
    };
    const page = async (jobId: string) => {
      const { status, html } = await (await signIn(server, 'options-admin')).page(
        `/integration/log/${jobId}`,
      );
      assert.equal(status, 200, html);
      return html.slice(html.indexOf('Values written'));
    };

    const crm = await writeOf(toCrm!.jobId);
    const raw = {
      before: { paymenttermscode: fourteen, address1_freighttermscode: null },
      after: { paymenttermscode: net30, address1_freighttermscode: fob },
    };
    assert.deepEqual([crm.side, crm.before, crm.after], ['crm', raw.before, raw.after]);
    assert.deepEqual(crm.optionLabels, {
      paymenttermscode: { [fourteen]: '14 DAYS', [net30]: 'Net 30' },
      address1_freighttermscode: { [fob]: 'FOB' },
    });
    assert.equal(crm.lookupNames, undefined, 'option values are no record ids');
    const html = await page(toCrm!.jobId);
    assert.match(
      html,
      new RegExp(
        `paymenttermscode</td>\\s*<td[^>]*><span class="lookup" title="${fourteen}">14 DAYS</span></td>\\s*<td[^>]*><span class="lookup" title="1">Net 30</span>`,
      ),
    );
    assert.match(
      html,
      /address1_freighttermscode<\/td>\s*<td[^>]*>\(empty\)<\/td>\s*<td[^>]*><span class="lookup" title="1">FOB<\/span>/,
    );

    // The ERP holds the codes themselves, which users know: shown as they are, nothing to label.
    const erp = await writeOf(toErp!.jobId);
    assert.deepEqual(
      [erp.side, erp.before, erp.after, erp.optionLabels, erp.lookupNames],
      [
        'erp',
        { paymentTermsCode: 'NET 30' },
        { paymentTermsCode: '14 DAYS' },
        undefined,
        undefined,
      ],
    );
    assert.match(
      await page(toErp!.jobId),
      /paymentTermsCode<\/td>\s*<td[^>]*>NET 30<\/td>\s*<td[^>]*>14 DAYS<\/td>/,
    );

    // No code is coupled to the value any more: it goes by the number, the others keep labels.
    await fx.db.query(
      "DELETE FROM integration.option_couplings WHERE mapping_name = 'PAYMENT TERMS' AND option_value = $1",
      [fourteen],
    );
    const unknown = await writeOf(toCrm!.jobId);
    assert.deepEqual([unknown.before, unknown.after], [raw.before, raw.after]);
    assert.deepEqual(unknown.optionLabels, {
      paymenttermscode: { [net30]: 'Net 30' },
      address1_freighttermscode: { [fob]: 'FOB' },
    });
    assert.match(
      await page(toCrm!.jobId),
      new RegExp(
        `paymenttermscode</td>\\s*<td[^>]*>${fourteen}</td>\\s*<td[^>]*><span class="lookup" title="1">Net 30</span>`,
      ),
    );
  } finally {
    await server.close();
  }
});
