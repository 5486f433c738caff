// The SARIF 2.1.0 JSON schema (the SARIF TC's, as @microsoft/jest-sarif ships it: JSON Schema
// draft-04) as an ajv validator, formats (uri, date-time) included. The schema's one `pattern` that
// is not valid with the `u` flag (its language tag) needs unicodeRegExp off.
import fs from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const SCHEMA = JSON.parse(
  fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
) as object;

const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(SCHEMA);

/** The schema's complaints about `log` (at most 10), empty when it is valid SARIF 2.1.0. */
export function sarifSchemaErrors(log: unknown): string[] {
  if (validate(log)) return [];
  return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
