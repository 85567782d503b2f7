import { retrieveMetadataChanges } from './api/metadata-changes.ts';
import { insertOptionValue } from './api/option-metadata.ts';
import { registerOperation } from './api/router.ts';
import { jsonResponse } from './api/types.ts';

/** `GET WhoAmI`: the calling user, its business unit and the organization. */
registerOperation('WhoAmI', 'GET', async (ctx) =>
  jsonResponse(200, {
    '@odata.context': `${ctx.apiUrl}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
    BusinessUnitId: ctx.org.businessUnitId,
    UserId: ctx.caller.systemUserId,
    OrganizationId: ctx.org.organizationId,
  }),
);

/** `GET RetrieveVersion`: the server version (Business Central refuses 6.x and 7.1). */
registerOperation('RetrieveVersion', 'GET', async (ctx) =>
  jsonResponse(200, {
    '@odata.context': `${ctx.apiUrl}$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse`,
    Version: '9.2.25093.00190',
  }),
);

registerOperation('InsertOptionValue', 'POST', insertOptionValue);

registerOperation('RetrieveMetadataChanges', 'GET', retrieveMetadataChanges);
