import 'reflect-metadata';
import { parse } from 'graphql';
import { Authorized, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { buildFederatedSchema } from '../federation.js';
import { AllowRestricted, restrictedViolation } from './restricted-access.js';

@ObjectType('Thing')
class Thing {
  @Field(() => ID)
  id!: string;
}

@Resolver()
class ThingResolver {
  @AllowRestricted()
  @Query(() => Thing)
  allowed(): Thing {
    return { id: '1' };
  }

  @Authorized()
  @Query(() => Thing)
  other(): Thing {
    return { id: '2' };
  }
}

describe('restricted access in a subgraph', () => {
  test('only root fields marked @AllowRestricted pass; _entities fields need a mark too', async () => {
    const schema = await buildFederatedSchema({ resolvers: [ThingResolver], referenceResolvers: {} });
    expect(restrictedViolation(schema, parse('{ allowed { id } __typename }'))).toBeNull();
    expect(restrictedViolation(schema, parse('{ allowed { id } other { id } }'))).toBe('Query.other');
    const entities = parse('query($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { id } } }');
    expect(restrictedViolation(schema, entities)).toBe('Thing.id');
  });
});
