import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  customerStatistics,
  postCustomerPayment,
  statisticsInCustomerCurrency,
} from '../../src/erp/public-api.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { must, startErpApi } from './fixtures.ts';

const fx = useFixture(() => startErpApi());

const stats = async (number: string) => must(await customerStatistics(fx.db, { number }));

describe('sales invoices and credit memos over the API (BC v2.0 shapes)', () => {
  test('a draft invoice is listed with the posted ones, counts as outstanding, and posts keeping its id', async () => {
    const before = await stats('C-EUR');
    const draft = await fx.api.post('salesInvoices', {
      customerNumber: 'C-EUR',
      invoiceDate: '2030-02-01',
      salesInvoiceLines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 3 }],
    });
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    assert.equal(draft.body.status, 'Draft');
    assert.match(draft.body.number, /^SI\d{6}$/);
    const total = draft.body.totalAmountIncludingTax;
    assert.ok(total > 0);
    const listed = await fx.api.get(`salesInvoices?$filter=status eq 'Draft'`);
    assert.deepEqual(
      listed.body.value.map((x: { id: string }) => x.id),
      [draft.body.id],
    );
    const lines = await fx.api.get(`salesInvoices(${draft.body.id})/salesInvoiceLines`);
    assert.equal(lines.body.value.length, 1);
    assert.equal(lines.body.value[0].quantity, 3);

    const after = await stats('C-EUR');
    assert.equal(Number(after.outstandingInvoices) - Number(before.outstandingInvoices), total);
    assert.equal(
      Number(after.totalAmount) - Number(before.totalAmount),
      total,
      'the total amount includes outstanding invoices',
    );

    const patched = await fx.api.patch(
      `salesInvoices(${draft.body.id})`,
      { externalDocumentNumber: 'PO-7' },
      draft.body['@odata.etag'],
    );
    assert.equal(patched.status, 200, JSON.stringify(patched.body));

    const posted = await fx.api.action(`salesInvoices(${draft.body.id})/Microsoft.NAV.post`);
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    // Asked for its representation, the post answers the invoice as salesInvoices reads it now.
    assert.match(posted.body['@odata.context'], /\/salesInvoices\/\$entity$/);
    assert.equal(posted.body.id, draft.body.id);
    assert.match(posted.body.number, /^PSI/);
    assert.equal(posted.body.status, 'Open');
    assert.equal(posted.body.remainingAmount, total);
    const read = await fx.api.get(`salesInvoices(${draft.body.id})?$expand=salesInvoiceLines`);
    assert.equal(read.body.status, 'Open');
    assert.equal(read.body.externalDocumentNumber, 'PO-7');
    assert.equal(read.body.totalAmountIncludingTax, total);
    assert.equal(read.body.remainingAmount, total);
    assert.equal(read.body.salesInvoiceLines.length, 1);
    const posted2 = await stats('C-EUR');
    assert.equal(posted2.outstandingInvoices, before.outstandingInvoices);
    assert.equal(Number(posted2.balance) - Number(before.balance), total);

    const again = await fx.api.action(`salesInvoices(${draft.body.id})/Microsoft.NAV.post`);
    assert.equal(again.status, 409, JSON.stringify(again.body));
    const edit = await fx.api.patch(
      `salesInvoices(${draft.body.id})`,
      { customerPurchaseOrderReference: 'x' },
      '*',
    );
    assert.equal(edit.status, 409, JSON.stringify(edit.body));
    assert.equal(edit.body.error.innererror.code, 'document_posted');
  });

  test('a credit memo applied to a 40 % paid invoice closes it; unapply opens it again', async () => {
    const inv = await fx.api.post('salesInvoices', {
      customerNumber: 'C-USD',
      salesInvoiceLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 2 }],
    });
    assert.equal(inv.status, 201, JSON.stringify(inv.body));
    const posted = await fx.api.action(`salesInvoices(${inv.body.id})/Microsoft.NAV.post`);
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    const total = inv.body.totalAmountIncludingTax;
    const paid = Math.round(total * 40) / 100;
    must(
      await postCustomerPayment(fx.db, {
        customerNumber: 'C-USD',
        amount: paid,
        appliesToInvoiceNumber: posted.body.number,
      }),
    );
    const rest = Math.round((total - paid) * 100) / 100;
    const [usdBefore] = must(await statisticsInCustomerCurrency(fx.db, ['C-USD'], '2030-12-31'));
    const salesBefore = Number(usdBefore!.totalSalesExcludingTax);

    const memo = await fx.api.post('salesCreditMemos', {
      customerNumber: 'C-USD',
      invoiceId: inv.body.id,
      salesCreditMemoLines: [
        { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1, unitPrice: 1 },
      ],
    });
    assert.equal(memo.status, 201, JSON.stringify(memo.body));
    assert.equal(memo.body.invoiceNumber, posted.body.number);
    assert.equal(memo.body.invoiceId, inv.body.id);
    assert.equal(memo.body.status, 'Draft');
    // Price the line so the credit memo equals what is left to pay, to the cent.
    const line = (await fx.api.get(`salesCreditMemos(${memo.body.id})/salesCreditMemoLines`)).body
      .value[0];
    const taxFactor = 1 + line.taxPercent / 100;
    const net = Math.round((rest / taxFactor) * 100) / 100;
    const set = await fx.api.patch(
      `salesCreditMemoLines(${line.id})`,
      { unitPrice: net },
      line['@odata.etag'],
    );
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const draft = await fx.api.get(`salesCreditMemos(${memo.body.id})`);
    assert.equal(draft.body.totalAmountIncludingTax, rest, 'tax rounding lands on the rest');

    // As BC v2.0 documents it: 204 No Content, nothing in the body.
    const post = await fx.api.post(`salesCreditMemos(${memo.body.id})/Microsoft.NAV.post`);
    assert.equal(post.status, 204, JSON.stringify(post.body));
    assert.equal(post.body, undefined);
    const invoice = await fx.api.get(`salesInvoices(${inv.body.id})`);
    assert.equal(invoice.body.status, 'Paid');
    assert.equal(invoice.body.remainingAmount, 0);
    const cm = await fx.api.get(`salesCreditMemos(${memo.body.id})`);
    assert.equal(cm.body.status, 'Paid');
    assert.match(cm.body.number, /^PSCM/);
    const [usd] = must(await statisticsInCustomerCurrency(fx.db, ['C-USD'], '2030-12-31'));
    assert.equal(
      usd!.totalSalesExcludingTax,
      (salesBefore - net).toFixed(2),
      'total sales are net of the credit memo, to the cent in USD',
    );

    const undo = await fx.api.action(`salesCreditMemos(${memo.body.id})/Microsoft.NAV.unapply`);
    assert.equal(undo.status, 200, JSON.stringify(undo.body));
    assert.equal(undo.body.invoices[0].remainingAmount, rest.toFixed(2));
    const reopened = await fx.api.get(`salesInvoices(${inv.body.id})`);
    assert.equal(reopened.body.status, 'Open');
    assert.equal(reopened.body.remainingAmount, rest);
    const twice = await fx.api.action(`salesCreditMemos(${memo.body.id})/Microsoft.NAV.unapply`);
    assert.equal(twice.status, 422, JSON.stringify(twice.body));
  });

  test('a credit memo for another customer’s invoice is refused', async () => {
    const inv = await fx.api.post('salesInvoices', {
      customerNumber: 'C-EUR',
      salesInvoiceLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1 }],
    });
    const posted = await fx.api.action(`salesInvoices(${inv.body.id})/Microsoft.NAV.post`);
    const memo = await fx.api.post('salesCreditMemos', {
      customerNumber: 'C-USD',
      invoiceNumber: posted.body.number,
    });
    assert.equal(memo.status, 400, JSON.stringify(memo.body));
    assert.match(memo.body.error.message, /belongs to customer C-EUR/);
    const none = await fx.api.get(
      `salesCreditMemos?$filter=customerNumber eq 'C-USD' and status eq 'Draft'`,
    );
    assert.equal(none.body.value.length, 0, 'nothing was written');
  });

  test('posting answers 204 as BC does; with Prefer: return=representation the posted credit memo with its status', async () => {
    const inv = await fx.api.post('salesInvoices', {
      customerNumber: 'C-EUR',
      salesInvoiceLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 2 }],
    });
    const plain = await fx.api.post(`salesInvoices(${inv.body.id})/Microsoft.NAV.post`);
    assert.equal(plain.status, 204, JSON.stringify(plain.body));
    assert.equal(plain.body, undefined);
    const invoice = await fx.api.get(`salesInvoices(${inv.body.id})`);
    assert.equal(invoice.body.status, 'Open');
    const memo = await fx.api.post('salesCreditMemos', {
      customerNumber: 'C-EUR',
      invoiceId: inv.body.id,
      salesCreditMemoLines: [{ lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 1 }],
    });
    assert.equal(memo.status, 201, JSON.stringify(memo.body));
    const post = await fx.api.action(`salesCreditMemos(${memo.body.id})/Microsoft.NAV.post`);
    assert.equal(post.status, 200, JSON.stringify(post.body));
    assert.equal(post.headers.get('preference-applied'), 'return=representation');
    assert.match(post.body['@odata.context'], /\/salesCreditMemos\/\$entity$/);
    const read = await fx.api.get(`salesCreditMemos(${memo.body.id})`);
    assert.equal(post.body.id, memo.body.id);
    assert.match(post.body.number, /^PSCM/);
    assert.equal(post.body.status, read.body.status);
    assert.match(post.body.status, /^(Open|Paid)$/);
    assert.equal(post.body.invoiceId, inv.body.id);
    assert.equal(post.body.totalAmountIncludingTax, memo.body.totalAmountIncludingTax);
    // The representation is the credit memo as its set reads it, nothing more (README): what is
    // left of the invoice is read on the invoice, by its number as the README does.
    assert.equal(post.body.invoiceNumber, invoice.body.number);
    assert.equal(post.body.remainingAmount, 0, 'all of it applied to the invoice');
    assert.deepEqual(Object.keys(post.body).sort(), Object.keys(read.body).sort());
    assert.ok(!('invoiceRemainingAmount' in post.body) && !('invoicePaymentStatus' in post.body));
    const left = await fx.api.get(
      `salesInvoices?$filter=number eq '${invoice.body.number}'&$select=number,remainingAmount,status`,
    );
    assert.equal(left.status, 200, JSON.stringify(left.body));
    const [open] = left.body.value;
    assert.equal(open.status, 'Open');
    assert.equal(
      open.remainingAmount,
      Math.round((invoice.body.totalAmountIncludingTax - memo.body.totalAmountIncludingTax) * 100) /
        100,
    );
  });
});
