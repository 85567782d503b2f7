import { z } from 'zod';
import {
  DELETION_CONFLICT_POLICIES,
  DIRECTIONS,
  FILTER_OPS,
  type FieldMapping,
  type TableMapping,
  UPDATE_CONFLICT_POLICIES,
} from '../../sync/model.ts';
import { type Column, StaticList } from '../components/list.tsx';
import { checkbox, many } from '../form.ts';

/** How a mapping's direction reads on the pages. */
export const DIRECTION_LABEL: Record<string, string> = {
  Bidirectional: 'Both ways',
  ToIntegrationTable: 'To Dynamics 365 Sales',
  FromIntegrationTable: 'From Dynamics 365 Sales',
};

const filterJson = z
  .string()
  .trim()
  .transform((text, c) => {
    if (text === '') return [];
    try {
      return JSON.parse(text) as unknown;
    } catch {
      c.addIssue({
        code: 'custom',
        message: 'A filter must be JSON, e.g. [{"field":"blocked","op":"eq","value":""}]',
      });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(
        z.strictObject({
          field: z.string().min(1).max(100),
          op: z.enum(FILTER_OPS),
          value: z.unknown().optional(),
        }),
        { error: 'A filter is a list of conditions [{"field","op","value"}]' },
      )
      .max(50),
  );

/** The mapping form's fields, as posted. */
export const mappingForm = z.object({
  direction: z.enum(DIRECTIONS),
  erpFilter: filterJson,
  crmFilter: filterJson,
  syncOnlyCoupled: checkbox,
  updateConflict: z.enum(UPDATE_CONFLICT_POLICIES),
  deletionConflict: z.enum(DELETION_CONFLICT_POLICIES),
  jobEnabled: checkbox,
  jobIntervalMinutes: z.coerce
    .number()
    .int('Whole minutes')
    .min(1, 'At least 1 minute')
    .max(10080, 'At most a week'),
  conflictExpiryHours: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number()
      .int('Whole hours')
      .min(1, 'At least 1 hour')
      .max(8760, 'At most a year')
      .optional(),
  ),
});
const CONFLICT_LABEL: Record<string, string> = {
  None: 'Fail the record (None)',
  SendUpdate: 'The ERP wins (SendUpdate)',
  GetUpdate: 'Dynamics 365 Sales wins (GetUpdate)',
  ask: 'Ask: hold the field in the conflict inbox (ask)',
};
/** The field mappings' directions, as posted. */
export const fieldsForm = z.object({ direction: many(z.enum(DIRECTIONS)) });

/** A mapping's field mappings, with their directions (editable by admins). */
export function FieldTable(props: { m: TableMapping; admin: boolean }) {
  const cols: Column<FieldMapping>[] = [
    { header: 'ERP field', value: (f) => f.erpField ?? '', wrap: true },
    { header: 'Dynamics 365 Sales column', value: (f) => f.crmField ?? '', wrap: true },
    {
      header: 'Direction',
      html: (f) => (
        <select
          name="direction"
          form="fields-form"
          disabled={!props.admin}
          aria-label={`Direction of ${f.erpField ?? f.crmField ?? ''}`}
        >
          {DIRECTIONS.map((d) => (
            <option value={d} selected={f.direction === d} safe>
              {DIRECTION_LABEL[d]}
            </option>
          ))}
        </select>
      ),
    },
    { header: 'Constant', value: (f) => f.constantValue ?? '', wrap: true },
    {
      header: 'Lookup',
      value: (f) =>
        f.lookup
          ? `${f.lookup.mapping}.${f.lookup.erpKey}${f.lookup.parent ? ' (parent)' : ''}`
          : '',
      wrap: true,
    },
    { header: 'Transformation', value: (f) => f.transformation ?? '', wrap: true },
    {
      header: 'Match priority',
      value: (f) => (f.useForMatching ? f.matchPriority : ''),
      numeric: true,
    },
    { header: 'Enabled', value: (f) => f.enabled },
  ];
  return (
    <>
      <StaticList id="fields" caption="Field mappings" columns={cols} rows={props.m.fields} />
      {props.admin ? (
        <form
          id="fields-form"
          hx-post={`/integration/mappings/${encodeURIComponent(props.m.name)}/fields`}
          hx-target="#flash"
        >
          <button type="submit">Save field directions</button>
        </form>
      ) : (
        ''
      )}
    </>
  );
}

/** A mapping's settings (editable by admins). */
export function MappingForm(props: { m: TableMapping; admin: boolean }) {
  const { m } = props;
  const dis = !props.admin;
  const select = (
    name: string,
    label: string,
    values: readonly string[],
    current: string,
    labels?: Record<string, string>,
  ) => (
    <>
      <label for={`m-${name}`} safe>
        {label}
      </label>
      <select id={`m-${name}`} name={name} disabled={dis}>
        {values.map((v) => (
          <option value={v} selected={current === v} safe>
            {labels?.[v] ?? v}
          </option>
        ))}
      </select>
    </>
  );
  return (
    <form
      class="stack wide"
      hx-post={props.admin ? `/integration/mappings/${encodeURIComponent(m.name)}` : undefined}
      hx-target="#flash"
    >
      {select('direction', 'Direction', DIRECTIONS, m.direction, DIRECTION_LABEL)}
      <label for="m-erpFilter">ERP filter (JSON conditions)</label>
      <textarea id="m-erpFilter" name="erpFilter" rows="2" disabled={dis} safe>
        {m.erpFilter.length ? JSON.stringify(m.erpFilter) : ''}
      </textarea>
      <label for="m-crmFilter">Dynamics 365 Sales filter (JSON conditions)</label>
      <textarea id="m-crmFilter" name="crmFilter" rows="2" disabled={dis} safe>
        {m.crmFilter.length ? JSON.stringify(m.crmFilter) : ''}
      </textarea>
      <span>
        <input
          type="checkbox"
          id="m-syncOnlyCoupled"
          name="syncOnlyCoupled"
          checked={m.syncOnlyCoupled}
          disabled={dis}
        />
        <label for="m-syncOnlyCoupled"> Synchronize only coupled records</label>
      </span>
      {select(
        'updateConflict',
        'When both sides changed',
        UPDATE_CONFLICT_POLICIES,
        m.updateConflict,
        CONFLICT_LABEL,
      )}
      <label for="m-conflictExpiry">Conflict inbox: unresolved entries fail after (hours)</label>
      <input
        id="m-conflictExpiry"
        name="conflictExpiryHours"
        value={String(m.conflictExpiryHours ?? 168)}
        disabled={dis}
        inputmode="numeric"
      />
      {select(
        'deletionConflict',
        'When the coupled record was deleted',
        DELETION_CONFLICT_POLICIES,
        m.deletionConflict,
      )}
      <span>
        <input
          type="checkbox"
          id="m-jobEnabled"
          name="jobEnabled"
          checked={m.jobEnabled}
          disabled={dis}
        />
        <label for="m-jobEnabled"> Scheduled job on</label>
      </span>
      <label for="m-interval">Interval (minutes)</label>
      <input
        id="m-interval"
        name="jobIntervalMinutes"
        value={String(m.jobIntervalMinutes)}
        disabled={dis}
        inputmode="numeric"
      />
      {props.admin ? <button type="submit">Save the mapping</button> : ''}
      <p class="hint" safe>{`Dependencies: ${m.dependencyFilter || 'none'}`}</p>
    </form>
  );
}
