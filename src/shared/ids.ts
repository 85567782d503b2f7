import { randomBytes, randomUUID } from 'node:crypto';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A new random GUID (lower case, as Dataverse and BC print them). */
export const newId = (): string => randomUUID();

/** True when the text is a GUID in the 8-4-4-4-12 form. */
export const isGuid = (text: string): boolean => GUID.test(text);

/** A URL-safe random secret of `bytes` bytes of entropy. */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');
