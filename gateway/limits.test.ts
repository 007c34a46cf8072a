import { buildSchema, parse, validate } from 'graphql';
import { aliasLimit, depthRule, operationCost, variablesShape } from './limits.js';

const schema = buildSchema('type Node { id: ID, child: Node } type Query { node: Node }');
const errorsOf = (query: string, rules = [depthRule(3), aliasLimit(2)]) =>
  validate(schema, parse(query), rules).map((error) => error.message);

describe('gateway document limits', () => {
  test('depth up to the limit passes, one more level is refused', () => {
    expect(errorsOf('{ node { child { id } } }')).toEqual([]);
    const tooDeep = errorsOf('{ node { child { child { child { id } } } } }');
    expect(tooDeep).toHaveLength(1);
    expect(tooDeep[0]).toMatch(/exceeds maximum operation depth/);
  });

  test('fragments do not hide depth', () => {
    const query = '{ node { ...A } } fragment A on Node { child { child { child { id } } } }';
    expect(errorsOf(query)).toHaveLength(1);
  });

  test('aliases up to the limit pass, more are refused once', () => {
    expect(errorsOf('{ a: node { id } b: node { id } }')).toEqual([]);
    expect(errorsOf('{ a: node { id } b: node { id } c: node { id } d: node { id } }')).toEqual([
      'Too many aliases: at most 2',
    ]);
  });
});

describe('operation cost', () => {
  const listSchema = buildSchema('type Item { id: ID } type Query { items(first: Int, ids: [ID!]): [Item] }');
  const document = parse('query($n: Int, $ids: [ID!]) { items(first: $n, ids: $ids) { id } }');

  test('depends on numbers and list lengths in the variables, not on strings', () => {
    expect(operationCost(listSchema, document, { n: 10 }, undefined)).toBe(20);
    expect(operationCost(listSchema, document, { n: 50 }, undefined)).toBe(100);
    expect(operationCost(listSchema, document, { n: 10 }, undefined)).toBe(20);
    const byIds = (ids: string[]) => operationCost(listSchema, document, { ids }, undefined);
    expect(byIds(['a', 'b', 'c'])).toBe(6);
    expect(byIds(['x', 'y', 'z'])).toBe(6);
    expect(byIds(['a'])).toBe(2);
  });

  test('the shape key keeps numbers, booleans and lengths and drops string contents', () => {
    expect(variablesShape({ a: 'secret', b: 3, c: [true, 'x'] })).toBe('{"a":"","b":3,"c":[true,""]}');
  });
});
