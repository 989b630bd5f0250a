import { loads } from './json';
import { findSchemaError } from './jsonschema';

describe('jsonschema keywords and messages', () => {
  const schema = {
    properties: {
      n: { type: 'number', minimum: 1, maximum: 3, exclusiveMinimum: 0, exclusiveMaximum: 5 },
      list: { type: 'array', minItems: 1, maxItems: 2, uniqueItems: true },
      c: { const: 1 },
      s: { minLength: 2 },
      e: { enum: [1, true, null] },
    },
    additionalProperties: false,
  };

  it.each<[unknown, string | undefined]>([
    [{ n: 0.5 }, '0.5 is less than the minimum of 1'],
    [{ n: 4 }, '4 is greater than the maximum of 3'],
    [{ list: [] }, '[] is too short'],
    [{ list: [1, 2, 3] }, '[1, 2, 3] is too long'],
    [{ list: [1, 1] }, '[1, 1] has non-unique elements'],
    [{ list: [1, true] }, undefined],
    [{ c: true }, '1 was expected'],
    [{ c: 1.0 }, undefined],
    [{ s: 'é' }, "'é' is too short"],
    [{ s: '😀' }, "'😀' is too short"],
    [{ e: 1 }, undefined],
    [{ e: false }, 'False is not one of [1, True, None]'],
    [{ e: 0 }, '0 is not one of [1, True, None]'],
    [{ z: 1, y: 2 }, "Additional properties are not allowed ('y', 'z' were unexpected)"],
  ])('%j → %s', (instance, message) => {
    expect(findSchemaError(instance, schema)?.message).toBe(message);
  });

  it('refuses keywords it does not implement rather than ignoring them', () => {
    expect(() => findSchemaError({}, { anyOf: [] })).toThrow('anyOf is not supported');
  });
});

describe('jsonschema on json.loads values, and what it does not implement', () => {
  it('reads PyFloat, bigint and PyDict as numbers, ints and objects', () => {
    const schema = { properties: { n: { type: 'integer' }, b: { type: 'integer', maximum: 5 } } };
    expect(findSchemaError(loads('{"n": 1.0, "b": 12345678901234567890}'), schema)?.message).toBe(
      '12345678901234567890 is greater than the maximum of 5',
    );
    expect(findSchemaError(loads('{"n": 1.5}'), schema)?.message).toBe("1.5 is not of type 'integer'");
    expect(findSchemaError(loads('{"a": 1}'), { additionalProperties: false })?.message).toBe(
      "Additional properties are not allowed ('a' was unexpected)",
    );
  });

  it('skips what it does not implement when told to ignore it', () => {
    const schema = { anyOf: [], properties: { x: { type: 'strange', pattern: '\\w' } } };
    expect(() => findSchemaError({ x: 'a' }, schema)).toThrow('anyOf is not supported');
    expect(findSchemaError({ x: 'a' }, schema, { unsupported: 'ignore' })).toBeUndefined();
  });
});
