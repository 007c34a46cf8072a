/**
 * Prints each subgraph's SDL into schema/ and composes the supergraph with
 * @apollo/composition, with no server running. `--check` writes nothing and fails
 * when composition fails or a committed file is stale (CI runs it).
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse, printSchema } from 'graphql';
import { loadConfig } from '../platform/config.js';
import { subgraphModules } from './subgraph-models.js';

const check = process.argv.includes('--check');
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'production',
  JWT_SECRET: 'x'.repeat(32),
  GATEWAY_SECRET: 'x'.repeat(32),
  SINGLE_NODE: 'true', // composing schemas needs no shared services
});
const files = new Map<string, string>();

const services = [];
for (const module of subgraphModules) {
  const sdl = printSubgraphSchema(await module.buildSchema());
  files.set(`schema/${module.name}.graphql`, `${sdl.trim()}\n`);
  services.push({ name: module.name, url: config.serviceUrls[module.name], typeDefs: parse(sdl) });
}

const result = composeServices(services);
if (result.errors) {
  process.stderr.write(`composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}\n`);
  process.exit(1);
}
files.set('schema/supergraph.graphql', `${result.supergraphSdl.trim()}\n`);
files.set('schema/api.graphql', `${printSchema(result.schema.toAPISchema().toGraphQLJSSchema()).trim()}\n`);

let stale = 0;
for (const [path, content] of files) {
  const absolute = resolve(path);
  const current = existsSync(absolute) ? readFileSync(absolute, 'utf8') : null;
  if (current === content) continue;
  if (check) {
    stale += 1;
    process.stderr.write(`${path} is stale: run npm run compose and commit it\n`);
  } else {
    writeFileSync(absolute, content);
    process.stdout.write(`wrote ${path}\n`);
  }
}
if (stale) process.exit(1);
process.stdout.write(check ? 'schema files are up to date\n' : 'composed supergraph\n');
