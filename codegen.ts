// graphql-codegen config: turns clients/operations/*.graphql into typed documents for the SDK, tests and CLIs.
// Run `npm run codegen` after changing operations or recomposing the schema; `npm run codegen:check` fails when stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  overwrite: true,
  schema: 'schema/api.graphql',
  documents: ['clients/operations/**/*.graphql'],
  // A missing or empty operations folder is a mistake, not a reason to emit an empty file.
  ignoreNoDocuments: false,
  generates: {
    'clients/generated/graphql.ts': {
      // typescript-operations 6 emits the enum and input types it needs itself; adding the `typescript`
      // plugin to the same file would declare them twice (and the full schema types clients should not use).
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        useTypeImports: true,
        // Enums as string-literal unions, no runtime enum objects (typescript-operations 6 name for enumsAsTypes).
        enumType: 'string-literal',
        // The gateway serializes DateTime as an ISO-8601 string and IDs as strings.
        scalars: {
          ID: { input: 'string', output: 'string' },
          DateTime: { input: 'string', output: 'string' },
        },
        // List variables take arrays only, not GraphQL's single-value coercion (`ids: string[]`, not `string[] | string`).
        arrayInputCoercion: false,
        // Result fields are always present (null when null); optional variables stay optional so callers may omit them.
        avoidOptionals: { variableValue: false, inputValue: false, defaultValue: false },
      },
    },
  },
};

export default config;
