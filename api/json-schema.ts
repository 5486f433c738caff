// zod schemas as JSON Schema 2020-12 (OpenAPI 3.1's dialect): for the OpenAPI document and the
// workflow catalog's input schemas.
import { z } from 'zod';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) for the input a schema accepts (or, for answers, what it gives). */
export function schemaOf(s: z.ZodType, io: 'input' | 'output' = 'input'): Json {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(s, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  return schema;
}
