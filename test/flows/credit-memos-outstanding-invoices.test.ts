import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useFixture } from '../helpers/use-fixture.ts';
import { INVOICE, startOutboundFixture } from './outbound-fixture.ts';

const t = useFixture(startOutboundFixture);

const { PAID, COMPLETE, PARTIAL } = INVOICE;

/** The CRM account statistics row of a customer, after *Update account statistics*. */
async function crmStatistics(customerNumber: string) {
  const updated = await t.api('POST', `/customers/${customerNumber}/updateAccountStatistics`);
  assert.equal(updated.status, 200, updated.text);
  return t.crm('nav_accountstatisticses', updated.json.statisticsId);
}

test('an unposted invoice shows in the CRM account statistics as outstanding invoices, to the cent, in EUR and in USD', async () => {
  const eur = await t.erp.post('salesInvoices', {
    customerNumber: 'C-EUR',
    salesInvoiceLines: [
      { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 7, discountPercent: 3 },
      { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1.5 },
    ],
  });
  assert.equal(eur.status, 201, JSON.stringify(eur.body));
  // 7 × 12.34 = 86.38 − 3 % (2.59) = 83.79; + 75.00 = 158.79 net; VAT 20.95 + 18.75 = 39.70.
  assert.equal(eur.body.totalAmountIncludingTax, 198.49);
  const eurStats = await crmStatistics('C-EUR');
  assert.equal(eurStats.nav_outstandinginvoiceslcy, 198.49);
  assert.equal(eurStats.nav_totallcy, 198.49, 'balance 0 + outstanding invoices');
  assert.equal(eurStats.nav_totalsaleslcy, 0, 'an unposted invoice is no sale yet');

  const usd = await t.erp.post('salesInvoices', {
    customerNumber: 'C-USD',
    salesInvoiceLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 3 }],
  });
  assert.equal(usd.status, 201, JSON.stringify(usd.body));
  assert.equal(usd.body.currencyCode, 'USD');
  const usdTotal = usd.body.totalAmountIncludingTax;
  const usdStats = await crmStatistics('C-USD');
  assert.equal(usdStats.nav_outstandinginvoiceslcy, usdTotal, 'in the customer’s USD');

  // A change of the draft is activity: the statistics job writes the new amount.
  const line = (await t.erp.get(`salesInvoices(${usd.body.id})/salesInvoiceLines`)).body.value[0];
  const patched = await t.erp.patch(
    `salesInvoiceLines(${line.id})`,
    { quantity: 4 },
    line['@odata.etag'],
  );
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const draft = await t.erp.get(`salesInvoices(${usd.body.id})`);
  await t.runJob('CUSTOMER STATISTICS');
  const after = await t.crm('nav_accountstatisticses', String(usdStats.nav_accountstatisticsid));
  assert.equal(after.nav_outstandinginvoiceslcy, draft.body.totalAmountIncludingTax);
  assert.notEqual(draft.body.totalAmountIncludingTax, usdTotal);

  // Posted, the invoice leaves outstanding invoices for the balance and total sales.
  const posted = await t.erp.action(`salesInvoices(${usd.body.id})/Microsoft.NAV.post`);
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  await t.runJob('CUSTOMER STATISTICS');
  const done = await t.crm('nav_accountstatisticses', String(usdStats.nav_accountstatisticsid));
  assert.equal(done.nav_outstandinginvoiceslcy, 0);
  assert.equal(done.nav_balancelcy, draft.body.totalAmountIncludingTax);
  assert.equal(done.nav_totalsaleslcy, draft.body.totalAmountExcludingTax);
});

test('a credit memo for what is left of a 40 % paid invoice turns the CRM invoice Paid/Complete; unapplied it goes back to Paid/Partial', async () => {
  const { invoice } = await t.postOrder({
    customerNumber: 'C-EUR',
    discountAmount: 7.23,
    salesOrderLines: [
      { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 10, discountPercent: 5 },
      { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 3 },
    ],
  });
  assert.equal(invoice.totalAmountIncludingTax, 325.01);
  // The job also creates the invoice posted from a draft in the test before.
  const created = await t.runJob('POSTEDSALESINV-INV');
  assert.equal(created.failed, 0, JSON.stringify(created));
  const crmInvoiceId = (await t.crmIdOf(String(invoice.id)))!;
  assert.ok(crmInvoiceId, 'the posted invoice is in the CRM');
  await t.payInvoice('C-EUR', 130, invoice.number);
  await t.runJob('CUSTOMER STATISTICS');
  assert.deepEqual(await t.invoiceState(crmInvoiceId), [PAID, PARTIAL]);
  const salesBefore = (await crmStatistics('C-EUR')).nav_totalsaleslcy as number;

  // 195.01 left: a credit memo of 156.01 + 25 % VAT (39.00) = 195.01 applied to the invoice.
  const memo = await t.erp.post('salesCreditMemos', {
    customerNumber: 'C-EUR',
    invoiceNumber: invoice.number,
    salesCreditMemoLines: [
      { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1, unitPrice: 156.01 },
    ],
  });
  assert.equal(memo.status, 201, JSON.stringify(memo.body));
  assert.equal(memo.body.totalAmountIncludingTax, 195.01);
  assert.equal(memo.body.invoiceId, invoice.id);
  const posted = await t.erp.action(`salesCreditMemos(${memo.body.id})/Microsoft.NAV.post`);
  assert.equal(posted.status, 200, JSON.stringify(posted.body));
  const run = await t.runJob('CUSTOMER STATISTICS');
  assert.equal(run.invoicesModified, 1, JSON.stringify(run));
  assert.deepEqual(await t.invoiceState(crmInvoiceId), [PAID, COMPLETE]);
  const stats = await crmStatistics('C-EUR');
  assert.equal(stats.nav_balancelcy, 0, 'the invoice is closed by payment and credit memo');
  assert.equal(
    Math.round((salesBefore - (stats.nav_totalsaleslcy as number)) * 100) / 100,
    156.01,
    'total sales are net of the credit memo',
  );

  const undone = await t.erp.action(`salesCreditMemos(${memo.body.id})/Microsoft.NAV.unapply`);
  assert.equal(undone.status, 200, JSON.stringify(undone.body));
  await t.runJob('CUSTOMER STATISTICS');
  assert.deepEqual(await t.invoiceState(crmInvoiceId), [PAID, PARTIAL], 'back to partly paid');
  const reopened = await t.crm('nav_accountstatisticses', String(stats.nav_accountstatisticsid));
  assert.equal(reopened.nav_balancelcy, 0, 'the credit memo stays open against the invoice');
});

test('a change of an unposted invoice wakes the sleeping statistics job at the next tick', async () => {
  await t.whileJobAsleep('CUSTOMER STATISTICS', async (tick) => {
    const draft = await t.erp.post('salesInvoices', {
      customerNumber: 'C-EUR',
      salesInvoiceLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 1 }],
    });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    assert.ok((await tick()).includes('CUSTOMER STATISTICS'), 'woken by the draft invoice');
  });
});

test('deleting an unposted invoice wakes the sleeping statistics job, which takes it out of the outstanding invoices', async () => {
  const draft = await t.erp.post('salesInvoices', {
    customerNumber: 'C-EUR',
    salesInvoiceLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 2 }],
  });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  const before = await crmStatistics('C-EUR');
  await t.whileJobAsleep('CUSTOMER STATISTICS', async (tick) => {
    const deleted = await t.erp.delete(`salesInvoices(${draft.body.id})`, '*');
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    assert.ok((await tick()).includes('CUSTOMER STATISTICS'), 'woken by the deletion');
  });
  // The deleted draft's customer is known to the job although the document is gone.
  const run = await t.runJob('CUSTOMER STATISTICS');
  assert.equal(run.didWork, true, JSON.stringify(run));
  const after = await t.crm('nav_accountstatisticses', String(before.nav_accountstatisticsid));
  assert.equal(
    Math.round(
      ((before.nav_outstandinginvoiceslcy as number) -
        (after.nav_outstandinginvoiceslcy as number)) *
        100,
    ) / 100,
    draft.body.totalAmountIncludingTax,
    'the deleted draft no longer counts as outstanding',
  );
  const again = await t.runJob('CUSTOMER STATISTICS');
  assert.equal(again.didWork, false, 'the deletion is seen once');
});
