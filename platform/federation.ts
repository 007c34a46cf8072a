import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { DateTimeResolver } from 'graphql-scalars';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import { authChecker } from './auth/auth-checker.js';
import { carryRestrictedMarks } from './auth/restricted-access.js';

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible"])';

export interface FederatedSchemaOptions {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes?: Function[];
  /** `__resolveReference` per entity type this subgraph owns or extends. */
  referenceResolvers: GraphQLResolverMap<unknown>;
}

/**
 * type-graphql builds the schema from decorated classes; @apollo/subgraph turns its
 * SDL (with @key and friends) into a Federation 2 subgraph schema.
 */
export async function buildFederatedSchema(options: FederatedSchemaOptions): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: options.resolvers,
    orphanedTypes: options.orphanedTypes,
    authChecker,
    authMode: 'error',
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    skipCheck: true,
    // Subscriptions here use `subscribe` functions over our own pub/sub; type-graphql insists on
    // a pubSub anyway, so this one refuses to be used for topics.
    pubSub: {
      publish: () => {
        throw new Error('type-graphql topics are not used: give @Subscription a subscribe function');
      },
      subscribe: () => {
        throw new Error('type-graphql topics are not used: give @Subscription a subscribe function');
      },
    },
  });
  const typeDefs = parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, fields] of Object.entries(options.referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...(fields as object) } as never;
  }
  return carryRestrictedMarks(schema, buildSubgraphSchema([{ typeDefs, resolvers }]));
}
