import type { DataverseClient } from '../../dataverse/index.ts';
import type { Queryable } from '../../db/db.ts';
import { findEntity, getEntity, getSalesSetup, type LineInput } from '../../erp/public-api.ts';
import { dec } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { crmRecordFor, erpRecordFor } from './coupling-lookups.ts';
import type { CrmDocument, CrmDocumentLine } from './crm-documents.ts';
import { crmFailure } from './crm-session.ts';
import { chunkText, ERP_DESCRIPTION_LENGTH } from './text-lines.ts';

const PRODUCT_ACTIVE = 0;
const SALES_INVENTORY = 1;
const SERVICES = 3;
const LINE_STEP = 10000;

interface ProductLine {
  readonly lineType: 'Item' | 'Resource';
  readonly number: string;
  readonly itemDescription: string;
}

/** Where a line's product goes in the ERP: the coupled item/resource, or the write-in product. */
async function productFor(
  db: Queryable,
  client: DataverseClient,
  line: CrmDocumentLine,
  writeIn: () => Promise<Result<ProductLine>>,
): Promise<Result<ProductLine>> {
  if (line.isWriteIn || !line.productId) return writeIn();
  const product = await client.retrieve<Record<string, unknown>>('products', line.productId, {
    select: ['name', 'productnumber', 'statecode', 'producttypecode'],
  });
  if (!product.ok) return crmFailure(`Reading product ${line.productId}`, product.error);
  const name = String(product.value.name ?? line.productId);
  if (product.value.statecode !== PRODUCT_ACTIVE)
    return failure(
      'product_not_active',
      `Product ${name} is not active in Dynamics 365 Sales. Publish the product, then try again.`,
    );
  const type = product.value.producttypecode;
  const table = type === SERVICES ? 'resources' : type === SALES_INVENTORY ? 'items' : undefined;
  if (!table)
    return failure(
      'unexpected_product_type',
      `Product ${name} has an unexpected product type; supported types are Sales Inventory and Services.`,
    );
  const coupled = await erpRecordFor(db, 'product', line.productId);
  if (!coupled || coupled.erpTable !== table)
    return failure(
      'product_not_coupled',
      `Product ${name} is not coupled to ${table === 'items' ? 'an item' : 'a resource'}. Couple it (or create the ${table === 'items' ? 'item' : 'resource'} from it), then try again.`,
    );
  const rec = await getEntity(db, table, coupled.erpId);
  if (!rec.ok)
    return failure(
      'product_not_coupled',
      `Product ${name} is coupled to ${table === 'items' ? 'an item' : 'a resource'} that does not exist any more. Couple it again.`,
    );
  return ok({
    lineType: table === 'items' ? 'Item' : 'Resource',
    number: String(rec.value['number']),
    itemDescription: String(rec.value['displayName'] ?? ''),
  });
}

/** The write-in product of the sales setup; it must exist and not be coupled to a CRM product. */
async function writeInProduct(db: Queryable): Promise<Result<ProductLine>> {
  const setup = await getSalesSetup(db);
  if (!setup.ok) return setup;
  const type = setup.value['writeInProductType'] === 'Resource' ? 'Resource' : 'Item';
  const number = setup.value['writeInProductNumber'] as string | null;
  if (!number)
    return failure(
      'write_in_product_missing',
      'The document contains a write-in product. Choose the default write-in product (item or resource) in Sales setup, then try again.',
    );
  const set = type === 'Item' ? 'items' : 'resources';
  const rec = await findEntity(db, set, 'number', number);
  if (!rec)
    return failure(
      'write_in_product_missing',
      `The write-in product ${type} ${number} of Sales setup does not exist. Choose another one in Sales setup.`,
    );
  if (await crmRecordFor(db, set, rec['id'] as string))
    return failure(
      'write_in_product_coupled',
      `The write-in product ${type} ${number} of Sales setup is coupled to a product in Dynamics 365 Sales. Choose an item or resource that is not coupled, or uncouple it.`,
    );
  return ok({ lineType: type, number, itemDescription: String(rec['displayName'] ?? '') });
}

/** The ERP unit of a line: the item's/resource's unit coupled to the CRM unit, or its base unit. */
async function unitFor(
  db: Queryable,
  line: CrmDocumentLine,
  product: ProductLine,
  unitGroups: boolean,
): Promise<Result<string | undefined>> {
  if (!line.uomId || !unitGroups || line.isWriteIn) return ok(undefined);
  const table = product.lineType === 'Item' ? 'itemUnitsOfMeasure' : 'resourceUnitsOfMeasure';
  const coupled = await erpRecordFor(db, 'uom', line.uomId);
  const unit = coupled?.erpTable === table ? await getEntity(db, table, coupled.erpId) : undefined;
  const owner = product.lineType === 'Item' ? 'itemNumber' : 'resourceNumber';
  const code =
    unit?.ok && unit.value[owner] === product.number ? (unit.value['code'] as string) : undefined;
  if (!code)
    return failure(
      'unit_not_coupled',
      `The unit of line ${line.sequence} is not coupled to a unit of measure of ${product.lineType} ${product.number}. Couple the unit (${product.lineType.toUpperCase()} UOM), then try again.`,
    );
  return ok(code);
}

/**
 * The ERP lines of a CRM document: each product line (numbered 10000, 20000, …) with its quantity,
 * price and discount, followed by comment lines of at most 100 characters carrying the text that
 * does not fit: for a write-in, its description beyond the first 100 characters; for a catalogue
 * product, the whole CRM text (the item's own description stays on the line).
 */
export async function erpLinesFor(
  db: Queryable,
  client: DataverseClient,
  doc: CrmDocument,
  options: { unitGroups: boolean },
): Promise<Result<LineInput[]>> {
  const out: LineInput[] = [];
  let writeIn: Result<ProductLine> | undefined;
  const getWriteIn = async () => {
    writeIn ??= await writeInProduct(db);
    return writeIn;
  };
  for (const [i, line] of doc.lines.entries()) {
    const product = await productFor(db, client, line, getWriteIn);
    if (!product.ok)
      return failure(
        product.error.code,
        `Line ${i + 1}: ${product.error.message}`,
        product.error.details,
      );
    const unit = await unitFor(db, line, product.value, options.unitGroups);
    if (!unit.ok) return unit;
    const text = line.description || line.productDescription;
    const chunks = chunkText(text);
    const description = line.isWriteIn
      ? (chunks[0] ?? product.value.itemDescription)
      : product.value.itemDescription;
    const comments = line.isWriteIn ? chunks.slice(1) : text.trim() === description ? [] : chunks;
    const sequence = (i + 1) * LINE_STEP;
    const quantity = dec(line.quantity);
    out.push({
      lineType: product.value.lineType,
      lineObjectNumber: product.value.number,
      description: description.slice(0, ERP_DESCRIPTION_LENGTH),
      sequence,
      ...(unit.value ? { unitOfMeasureCode: unit.value } : {}),
      quantity: quantity.toString(),
      unitPrice: dec(line.pricePerUnit).toString(),
      discountAmount: quantity
        .times(line.volumeDiscountAmount)
        .plus(line.manualDiscountAmount)
        .toDecimalPlaces(2)
        .toString(),
      ...(line.requestDeliveryBy
        ? { requestedDeliveryDate: line.requestDeliveryBy.slice(0, 10) }
        : {}),
    });
    for (const [j, piece] of comments.entries()) {
      out.push({
        lineType: 'Comment',
        description: piece,
        sequence: sequence + j + 1,
        attachedToSequence: sequence,
      });
    }
  }
  const freight = Number(doc.raw.freightamount ?? 0);
  if (freight > 0) {
    // The ERP has no freight charge of its own; the amount stays visible to the order processor.
    out.push({
      lineType: 'Comment',
      description: `Freight ${freight.toFixed(2)} from Dynamics 365 Sales: add it as a charge`,
      sequence: (doc.lines.length + 1) * LINE_STEP,
    });
  }
  return ok(out);
}
