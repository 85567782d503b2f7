import type { SystemPart } from '../app/system-part.ts';
import { seedCrmDemo } from '../crm-emulator/demo-data.ts';
import { startCrmEmulatorService } from '../crm-emulator/service.ts';
import { erpPart } from '../erp/system-part.ts';
import { outboundFlowsPart } from '../flows/outbound-jobs.ts';
import { salesDocumentsPart } from '../flows/sales-documents-part.ts';
import { syncPart } from '../integration/system-part.ts';

/** The parts of this build, in start order. */
export const systemParts: readonly SystemPart[] = [
  erpPart,
  { name: 'crm-emulator', startService: startCrmEmulatorService, seedDemo: seedCrmDemo },
  syncPart,
  salesDocumentsPart,
  outboundFlowsPart,
];
