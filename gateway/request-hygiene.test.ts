import { ApolloServer } from '@apollo/server';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { aliasLimit, depthRule } from './limits.js';
import {
  findInvalidLiteral,
  findInvalidVariable,
  hasFragmentCycle,
  requestHygienePlugin,
  skipOnFragmentCycles,
  withoutSuggestions,
} from './request-hygiene.js';

const SDL = `
  type Node { id: ID, name: String, child: Node }
  enum Color { RED GREEN }
  input NodeInput { name: String!, color: Color }
  type Query { node(id: ID): Node }
  type Mutation { save(input: NodeInput!): Node }
`;
const schema = buildSchema(SDL);
const CYCLE = 'query Q { node { ...A } } fragment A on Node { id ...B } fragment B on Node { name ...A }';

async function server(hideSchemaDetails: boolean) {
  const apollo = new ApolloServer({
    schema,
    plugins: [requestHygienePlugin({ hideSchemaDetails })],
    rootValue: { node: () => ({ id: '1' }), save: () => ({ id: '2' }) },
  });
  await apollo.start();
  return apollo;
}

type Run = { status?: number; errors?: { message: string; extensions?: Record<string, unknown> }[] };

async function run(apollo: ApolloServer, request: Parameters<ApolloServer['executeOperation']>[0]): Promise<Run> {
  const response = await apollo.executeOperation(request);
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return {
    status: response.http.status,
    errors: response.body.singleResult.errors as Run['errors'],
  };
}

describe('fragment cycles', () => {
  test('are found, chains without a cycle are not', () => {
    expect(hasFragmentCycle(parse(CYCLE))).toBe(true);
    expect(hasFragmentCycle(parse('fragment A on Node { ...A }'))).toBe(true);
    expect(
      hasFragmentCycle(parse('{ node { ...A ...B } } fragment A on Node { ...B } fragment B on Node { id }')),
    ).toBe(false);
  });

  test('custom limits skip a cyclic document and graphql-js reports the cycle instead of overflowing', () => {
    // Unwrapped, graphql-depth-limit recurses through A → B → A … until the stack overflows.
    const limits = [depthRule(5), aliasLimit(2)];
    const errors = validate(schema, parse(CYCLE), [...specifiedRules, ...skipOnFragmentCycles(limits)]);
    expect(errors.map((error) => error.message)).toContain('Cannot spread fragment "A" within itself via "B".');
  });

  test('the wrapped limits still apply to acyclic documents', () => {
    const errors = validate(schema, parse('{ a: node { id } b: node { id } c: node { id } }'), [
      ...skipOnFragmentCycles([aliasLimit(2)]),
    ]);
    expect(errors.map((error) => error.message)).toEqual(['Too many aliases: at most 2']);
  });
});

describe('strings that cannot be stored', () => {
  test('NUL characters and unpaired surrogates are found with their path', () => {
    expect(findInvalidVariable({ input: { name: 'ok', tags: ['fine', 'x\u0000y'] } })).toEqual({
      path: '$input.tags[1]',
      problem: 'a NUL character',
    });
    expect(findInvalidVariable({ id: '\ud800' })).toEqual({ path: '$id', problem: 'an unpaired UTF-16 surrogate' });
    expect(findInvalidVariable({ id: 'x\udc00' })?.problem).toBe('an unpaired UTF-16 surrogate');
    expect(findInvalidVariable({ ok: 'emoji 😀 and accents é', n: 3, nothing: null })).toBeNull();
    expect(findInvalidLiteral(parse('mutation { save(input: { name: "a\\u0000" }) { id } }'))?.path).toBe('input.name');
    expect(findInvalidLiteral(parse('{ node(id: "😀") { id } }'))).toBeNull();
  });
});

describe('request hygiene plugin', () => {
  let dev: ApolloServer;
  let prod: ApolloServer;
  beforeAll(async () => {
    [dev, prod] = await Promise.all([server(false), server(true)]);
  });
  afterAll(() => Promise.all([dev.stop(), prod.stop()]));

  test('several operations without operationName → 400 BAD_REQUEST OPERATION_NAME_REQUIRED', async () => {
    const result = await run(dev, { query: 'query A { node { id } } query B { node { id } }' });
    expect(result.status).toBe(400);
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'OPERATION_NAME_REQUIRED' });
    const named = await run(dev, { query: 'query A { node { id } } query B { node { id } }', operationName: 'C' });
    expect(named.status).toBe(400);
    expect(named.errors![0]!.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'UNKNOWN_OPERATION_NAME' });
    expect(
      (await run(dev, { query: 'query A { node { id } } query B { node { id } }', operationName: 'B' })).errors,
    ).toBe(undefined);
  });

  test('a NUL character or a lone surrogate → 400 BAD_USER_INPUT INVALID_STRING', async () => {
    const viaVariable = await run(dev, {
      query: 'mutation($input: NodeInput!) { save(input: $input) { id } }',
      variables: { input: { name: '\ud800' } },
    });
    expect(viaVariable.status).toBe(400);
    expect(viaVariable.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_STRING',
      field: '$input.name',
    });
    const viaLiteral = await run(dev, { query: '{ node(id: "a\\u0000b") { id } }' });
    expect(viaLiteral.status).toBe(400);
    expect(viaLiteral.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  test('an APQ hash or version mismatch → 400 BAD_REQUEST with a reason', async () => {
    const query = '{ node { id } }';
    const mismatch = await run(dev, {
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.errors![0]!.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      reason: 'PERSISTED_QUERY_HASH_MISMATCH',
    });
    const version = await run(dev, { query, extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } });
    expect(version.status).toBe(400);
    expect(version.errors![0]!.extensions).toMatchObject({ reason: 'PERSISTED_QUERY_VERSION_UNSUPPORTED' });
  });

  test('suggestions stay in development and are removed when schema details are hidden', async () => {
    const unknownField = { query: '{ node { nam } }' };
    const badEnum = {
      query: 'mutation($input: NodeInput!) { save(input: $input) { id } }',
      variables: { input: { name: 'n', color: 'REDD' } },
    };
    expect((await run(dev, unknownField)).errors![0]!.message).toContain('Did you mean "name"?');
    expect((await run(dev, badEnum)).errors![0]!.message).toContain('Did you mean the enum value "RED"?');
    const hidden = [(await run(prod, unknownField)).errors![0]!, (await run(prod, badEnum)).errors![0]!];
    expect(hidden[0]!.message).toBe('Cannot query field "nam" on type "Node".');
    expect(hidden[1]!.message).toMatch(/Value "REDD" does not exist in "Color" enum\.$/);
    for (const error of hidden) expect(error.message).not.toContain('Did you mean');
  });

  test('withoutSuggestions only cuts the trailing hint', () => {
    expect(withoutSuggestions('Unknown type "Strin". Did you mean "String"?')).toBe('Unknown type "Strin".');
    expect(withoutSuggestions('Nothing to cut?')).toBe('Nothing to cut?');
  });
});
