/**
 * The syntax tree of an OData `$filter` expression, shared by the ERP API and the CRM emulator.
 * Each part translates it to SQL over its own tables (`erp/query/filter-to-sql.ts`,
 * `crm-emulator/odata/filter-sql.ts`) and refuses the nodes it does not support.
 */
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** `contains`, `startswith`, `endswith`: a property and a value. */
export type TextFunctionName = 'contains' | 'startswith' | 'endswith';

/** Lambda operators over a collection-valued navigation property. */
export type LambdaOp = 'any' | 'all';

export type Literal =
  | { readonly kind: 'literal'; readonly type: 'string'; readonly value: string }
  | {
      readonly kind: 'literal';
      /** number: the digits as written (sign, fraction, exponent); date/datetime checked real. */
      readonly type: 'number' | 'guid' | 'datetime' | 'date';
      readonly value: string;
    }
  | { readonly kind: 'literal'; readonly type: 'boolean'; readonly value: boolean }
  | { readonly kind: 'literal'; readonly type: 'null'; readonly value: null };

export type LiteralType = Literal['type'];

/**
 * A property, possibly through single-valued navigation properties (`primarycontactid/fullname`).
 * Inside a lambda predicate the first segment may be the lambda's variable (`c/fullname`).
 */
export interface PropertyPath {
  readonly kind: 'property';
  readonly path: readonly string[];
}

export type Operand = Literal | PropertyPath;

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly left: Operand;
      readonly right: Operand;
    }
  | {
      readonly kind: 'text';
      readonly fn: TextFunctionName;
      readonly property: PropertyPath;
      readonly value: Literal;
    }
  /** `Microsoft.Dynamics.CRM.<name>(PropertyName='x',PropertyValue(s)=…)`: values as written. */
  | {
      readonly kind: 'queryFunction';
      readonly name: string;
      readonly property: string;
      readonly values: readonly string[];
    }
  /**
   * `collection/any(x: predicate)`, `collection/all(x: predicate)`; `any()` without arguments
   * has neither variable nor predicate. Property paths in the predicate start with `variable`.
   */
  | {
      readonly kind: 'lambda';
      readonly op: LambdaOp;
      readonly collection: readonly string[];
      readonly variable?: string;
      readonly predicate?: FilterNode;
    };

/** A `$filter` that cannot be parsed (or translated): the message names what and where. */
export interface FilterError {
  readonly code: 'invalid_filter';
  readonly message: string;
}
