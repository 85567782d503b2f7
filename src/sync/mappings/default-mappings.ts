import type { TableMapping } from '../model.ts';
import {
  active,
  addressFields,
  f,
  hasBaseUnit,
  lookup,
  type MappingDef,
  mapping,
  optionMapping,
  ownerFields,
  parentLookup,
  productUnitFields,
} from './mapping-builders.ts';

/**
 * The default integration table mappings BC's assisted setup creates (the README lists them),
 * as data. ERP tables and fields use the ERP API names; CRM entities and columns Dataverse's
 * logical names. `⇄` bidirectional, `→` ERP to CRM, `←` CRM to ERP.
 *
 * OPPORTUNITY is left out while the ERP has no opportunities table; the invoice and order
 * mappings therefore depend on the product mappings only.
 */

/** Switches of the connection setup that shape the defaults. */
export interface DefaultsOptions {
  readonly ownershipModel: 'Person' | 'Team';
  readonly unitGroupMapping: boolean;
  readonly salesOrderIntegration: boolean;
  /** Items' inventory → products' quantity on hand (on unless switched off). */
  readonly itemAvailability?: boolean;
}

/** Builds the default mapping set for the given setup switches, in dependency order. */
export function defaultMappings(o: DefaultsOptions): TableMapping[] {
  const person = o.ownershipModel === 'Person';
  const withSales = (deps: string) => (person ? `SALESPEOPLE|${deps}` : deps);
  const unitDep = o.unitGroupMapping;
  const defs: MappingDef[] = [];
  if (person) {
    defs.push(
      mapping({
        name: 'SALESPEOPLE',
        erpTable: 'salespeople',
        crmEntity: 'systemuser',
        direction: 'FromIntegrationTable',
        crmFilter: [
          { field: 'isdisabled', op: 'eq', value: false },
          { field: 'islicensed', op: 'eq', value: true },
          { field: 'isintegrationuser', op: 'eq', value: false },
        ],
        inactivityTimeoutMinutes: 1440,
        fields: [
          f('email', '←', 'internalemailaddress'),
          f('displayName', '←', 'fullname', { match: {} }),
          f('phoneNumber', '←', 'mobilephone'),
        ],
      }),
    );
  }
  defs.push(
    mapping({
      name: 'CURRENCY',
      erpTable: 'currencies',
      crmEntity: 'transactioncurrency',
      direction: 'ToIntegrationTable',
      syncAfterCoupling: true,
      createNewOnNoMatch: true,
      fields: [
        f('code', '→', 'isocurrencycode', { match: {} }),
        f('symbol', '→', 'currencysymbol'),
        f('displayName', '→', 'currencyname'),
        f('exchangeRate', '→', 'exchangerate'),
      ],
    }),
    optionMapping('PAYMENT TERMS', 'paymentTerms', 'paymenttermscode'),
    optionMapping('SHIPMENT METHOD', 'shipmentMethods', 'address1_freighttermscode'),
    optionMapping('SHIPPING AGENT', 'shippingAgents', 'address1_shippingmethodcode'),
  );
  if (unitDep) {
    defs.push(
      mapping({
        name: 'UNIT GROUP',
        erpTable: 'unitGroups',
        crmEntity: 'uomschedule',
        direction: 'ToIntegrationTable',
        syncAfterCoupling: true,
        createNewOnNoMatch: true,
        fields: [f('code', '→', 'name', { match: {} }), f('baseUnitCode', '→', 'baseuomname')],
      }),
      // A unit of an item (resource) whose unit group is coupled goes with it, although only
      // coupled records synchronize: a base unit the item did not have reaches the CRM by itself.
      mapping({
        name: 'ITEM UOM',
        erpTable: 'itemUnitsOfMeasure',
        crmEntity: 'uom',
        direction: 'ToIntegrationTable',
        dependencyFilter: 'UNIT GROUP',
        syncAfterCoupling: true,
        createNewOnNoMatch: true,
        fields: [
          f('code', '→', 'name', { match: {} }),
          f('qtyPerUnitOfMeasure', '→', 'quantity'),
          f('unitGroupCode', '→', 'uomscheduleid', parentLookup('UNIT GROUP')),
        ],
      }),
      mapping({
        name: 'RESOURCE UOM',
        erpTable: 'resourceUnitsOfMeasure',
        crmEntity: 'uom',
        direction: 'ToIntegrationTable',
        dependencyFilter: 'UNIT GROUP',
        syncAfterCoupling: true,
        createNewOnNoMatch: true,
        fields: [
          f('code', '→', 'name', { match: {} }),
          f('qtyPerUnitOfMeasure', '→', 'quantity'),
          f('unitGroupCode', '→', 'uomscheduleid', parentLookup('UNIT GROUP')),
        ],
      }),
    );
  } else {
    defs.push(
      mapping({
        name: 'UNIT OF MEASURE',
        erpTable: 'unitsOfMeasure',
        crmEntity: 'uomschedule',
        direction: 'ToIntegrationTable',
        fields: [f('code', '→', 'name', { match: {} }), f('code', '→', 'baseuomname')],
      }),
    );
  }
  defs.push(
    mapping({
      name: 'CUSTOMER',
      erpTable: 'customers',
      crmEntity: 'account',
      direction: 'Bidirectional',
      erpFilter: [{ field: 'blocked', op: 'empty' }],
      crmFilter: [active, { field: 'customertypecode', op: 'eq', value: 3 }],
      dependencyFilter: withSales('CURRENCY|PAYMENT TERMS|SHIPMENT METHOD|SHIPPING AGENT'),
      fields: [
        ...ownerFields(person),
        f('displayName', '⇄', 'name', { match: { priority: 1 } }),
        f('contactName', '⇄', 'address1_primarycontactname', { validate: false }),
        f('addressLine1', '⇄', 'address1_line1'),
        f('addressLine2', '⇄', 'address1_line2'),
        f('postalCode', '⇄', 'address1_postalcode'),
        f('city', '⇄', 'address1_city'),
        f('country', '⇄', 'address1_country', { validate: false }),
        f('state', '⇄', 'address1_stateorprovince'),
        f('currencyCode', '⇄', 'transactioncurrencyid', lookup('CURRENCY')),
        f('email', '⇄', 'emailaddress1'),
        f('faxNumber', '⇄', 'fax'),
        f('website', '⇄', 'websiteurl'),
        f('phoneNumber', '⇄', 'telephone1'),
        f('shipmentMethodCode', '⇄', 'address1_freighttermscode', lookup('SHIPMENT METHOD')),
        f('shippingAgentCode', '⇄', 'address1_shippingmethodcode', lookup('SHIPPING AGENT')),
        f('paymentTermsCode', '⇄', 'paymenttermscode', lookup('PAYMENT TERMS')),
        f('creditLimit', '→', 'creditlimit'),
        f('primaryContactNumber', '⇄', 'primarycontactid', {
          ...lookup('CONTACT', 'number'),
          clearOnFailedSync: true,
        }),
        f(null, '→', 'customertypecode', { constant: '3' }),
      ],
    }),
    mapping({
      name: 'CONTACT',
      erpTable: 'contacts',
      crmEntity: 'contact',
      direction: 'Bidirectional',
      erpFilter: [
        { field: 'type', op: 'eq', value: 'Person' },
        { field: 'companyNumber', op: 'notEmpty' },
      ],
      crmFilter: [active, { field: 'parentcustomerid', op: 'notEmpty' }],
      dependencyFilter: 'CUSTOMER',
      fields: [
        ...ownerFields(person),
        f('currencyCode', '⇄', 'transactioncurrencyid', lookup('CURRENCY')),
        // The contact's company is a company contact; its business relation names the customer,
        // whose account is the CRM contact's parent (and back: the account's customer's company).
        f('companyNumber', '⇄', 'parentcustomerid', lookup('CUSTOMER', 'companyContactNumber')),
        f(null, '→', 'parentcustomeridtype', { constant: 'account' }),
        f('addressLine1', '⇄', 'address1_line1'),
        f('addressLine2', '⇄', 'address1_line2'),
        f('postalCode', '⇄', 'address1_postalcode'),
        f('city', '⇄', 'address1_city'),
        f('country', '⇄', 'address1_country', { validate: false }),
        f('state', '⇄', 'address1_stateorprovince'),
        f('email', '⇄', 'emailaddress1', { match: { priority: 1 } }),
        f('faxNumber', '⇄', 'fax'),
        f('firstName', '⇄', 'firstname'),
        f('middleName', '⇄', 'middlename'),
        f('surname', '⇄', 'lastname'),
        f('website', '⇄', 'websiteurl'),
        f('mobilePhoneNumber', '⇄', 'mobilephone'),
        f('pager', '⇄', 'pager'),
        f('phoneNumber', '⇄', 'telephone1'),
        f('type', '←', null, { constant: 'Person' }),
      ],
    }),
    mapping({
      name: 'ITEM-PRODUCT',
      erpTable: 'items',
      crmEntity: 'product',
      direction: 'Bidirectional',
      erpFilter: [{ field: 'blocked', op: 'eq', value: false }, hasBaseUnit],
      crmFilter: [active, { field: 'producttypecode', op: 'eq', value: 1 }],
      dependencyFilter: unitDep ? 'ITEM UOM' : 'UNIT OF MEASURE',
      inactivityTimeoutMinutes: 1440,
      fields: [
        f('number', '→', 'productnumber', { match: {} }),
        f('displayName', '⇄', 'name'),
        f('unitPrice', '→', 'price'),
        f('unitCost', '→', 'standardcost'),
        f('unitCost', '→', 'currentcost'),
        f('unitVolume', '→', 'stockvolume'),
        f('grossWeight', '→', 'stockweight'),
        f('vendorNumber', '→', 'vendorid'),
        f('vendorItemNumber', '→', 'vendorpartnumber'),
        ...(o.itemAvailability !== false ? [f('inventory', '→', 'quantityonhand')] : []),
        ...productUnitFields(unitDep, 'ITEM UOM'),
        f(null, '→', 'producttypecode', { constant: '1' }),
      ],
    }),
    mapping({
      name: 'RESOURCE-PRODUCT',
      erpTable: 'resources',
      crmEntity: 'product',
      direction: 'Bidirectional',
      erpFilter: [{ field: 'blocked', op: 'eq', value: false }, hasBaseUnit],
      crmFilter: [active, { field: 'producttypecode', op: 'eq', value: 3 }],
      dependencyFilter: unitDep ? 'RESOURCE UOM' : 'UNIT OF MEASURE',
      fields: [
        f('number', '→', 'productnumber', { match: {} }),
        f('displayName', '⇄', 'name'),
        f('unitPrice', '→', 'price'),
        f('unitCost', '→', 'standardcost'),
        f('unitCost', '→', 'currentcost'),
        f('capacity', '→', 'quantityonhand'),
        ...productUnitFields(unitDep, 'RESOURCE UOM'),
        f(null, '→', 'producttypecode', { constant: '3' }),
      ],
    }),
    mapping({
      name: 'CUSTPRCGRP-PRICE',
      erpTable: 'customerPriceGroups',
      crmEntity: 'pricelevel',
      direction: 'ToIntegrationTable',
      // A price group the CRM lacks is created (the full synchronization's recommendation).
      createNewOnNoMatch: true,
      syncAfterCoupling: true,
      dependencyFilter: 'CURRENCY|ITEM-PRODUCT',
      inactivityTimeoutMinutes: 1440,
      fields: [
        f('code', '→', 'name', { match: {} }),
        f('currencyCode', '→', 'transactioncurrencyid', lookup('CURRENCY')),
      ],
    }),
    mapping({
      name: 'SALESPRC-PRODPRICE',
      erpTable: 'salesPrices',
      crmEntity: 'productpricelevel',
      direction: 'ToIntegrationTable',
      erpFilter: [
        { field: 'salesType', op: 'eq', value: 'Customer Price Group' },
        { field: 'salesCode', op: 'notEmpty' },
        // A price list item is one price per product and unit: quantity prices have no place.
        { field: 'minimumQuantity', op: 'eq', value: 0 },
      ],
      dependencyFilter: 'CUSTPRCGRP-PRICE|ITEM-PRODUCT',
      syncOnlyCoupled: false,
      inactivityTimeoutMinutes: 1440,
      fields: [
        f('salesCode', '→', 'pricelevelid', lookup('CUSTPRCGRP-PRICE')),
        f('itemNumber', '→', 'productid', lookup('ITEM-PRODUCT', 'number')),
        f('currencyCode', '→', 'transactioncurrencyid', lookup('CURRENCY')),
        f(null, '→', 'pricingmethodcode', { constant: '1' }),
        f('unitPrice', '→', 'amount'),
        ...(unitDep ? [f('unitKey', '→', 'uomid', lookup('ITEM UOM', 'key'))] : []),
      ],
    }),
    mapping({
      name: 'POSTEDSALESINV-INV',
      erpTable: 'salesInvoices',
      crmEntity: 'invoice',
      direction: 'ToIntegrationTable',
      dependencyFilter: 'ITEM-PRODUCT|RESOURCE-PRODUCT',
      inactivityTimeoutMinutes: 1440,
      fields: [
        f('number', '→', 'invoicenumber'),
        ...ownerFields(person, 'salesperson'),
        f('currencyCode', '→', 'transactioncurrencyid', lookup('CURRENCY')),
        f('dueDate', '→', 'duedate'),
        ...addressFields('→'),
        f('shipmentDate', '→', 'datedelivered'),
        f('totalAmountExcludingTax', '→', 'totalamountlessfreight'),
        f('totalAmountIncludingTax', '→', 'totalamount'),
        f('discountAmount', '→', 'discountamount'),
        f('shippingAgentCode', '→', 'shippingmethodcode', lookup('SHIPPING AGENT')),
        f('paymentTermsCode', '→', 'paymenttermscode', lookup('PAYMENT TERMS')),
      ],
    }),
  );
  if (o.salesOrderIntegration) {
    defs.push(
      mapping({
        name: 'SALESORDER-ORDER',
        erpTable: 'salesOrders',
        crmEntity: 'salesorder',
        direction: 'ToIntegrationTable',
        erpFilter: [{ field: 'status', op: 'eq', value: 'Released' }],
        dependencyFilter: 'ITEM-PRODUCT|RESOURCE-PRODUCT',
        fields: [
          f('number', '→', 'ordernumber'),
          ...ownerFields(person, 'salesperson'),
          f('currencyCode', '→', 'transactioncurrencyid', lookup('CURRENCY')),
          ...addressFields('→'),
          f('lastShipmentDate', '→', 'datefulfilled'),
          f('totalAmountExcludingTax', '→', 'totalamountlessfreight'),
          f('totalAmountIncludingTax', '→', 'totalamount'),
          f('discountAmount', '→', 'discountamount'),
          f('shippingAgentCode', '→', 'shippingmethodcode', lookup('SHIPPING AGENT')),
          f('paymentTermsCode', '→', 'paymenttermscode', lookup('PAYMENT TERMS')),
          f('requestedDeliveryDate', '→', 'requestdeliveryby'),
        ],
      }),
    );
  }
  return defs.map((d) => ({
    ...d,
    // A new bidirectional mapping asks the user about fields changed on both sides (the conflict
    // inbox) instead of failing the record; mappings already stored keep their policy.
    updateConflict:
      d.direction === 'Bidirectional' && d.updateConflict === 'None' ? 'ask' : d.updateConflict,
    jobEnabled: d.jobEnabled ?? true,
    jobIntervalMinutes: 30,
    userDefined: false,
    fields: d.fields.map((field, i) => ({ ...field, position: i + 1 })),
  }));
}
