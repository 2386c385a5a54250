/**
 * Writes schemas/experiment.schema.json from the zod schema of the experiment config
 * (`npx tsx scripts/gen-schema.ts`). The file is committed; tests/config-schema.test.ts fails
 * when it is out of date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { experimentJsonSchema } from '../src/core/experiment/config';

export const SCHEMA_FILE = path.join(__dirname, '..', 'schemas', 'experiment.schema.json');

export function schemaText(): string {
  return `${JSON.stringify(experimentJsonSchema(), null, 2)}\n`;
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, schemaText());
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}\n`);
}
