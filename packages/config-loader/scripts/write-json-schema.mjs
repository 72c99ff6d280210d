#!/usr/bin/env node
// Build step: writes appsettings.schema.json from the built package, so the shipped JSON Schema is generated from
// the model's zod schemas and never written by hand. `src/json-schema.test.ts` fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createAppsettingsJsonSchema } from '../dist/index.js';

const target = fileURLToPath(new URL('../appsettings.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(createAppsettingsJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
