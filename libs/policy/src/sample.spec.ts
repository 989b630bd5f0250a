import { GLANCE_POLICY_DEFAULTS } from './glance-defaults';
import { parsePolicyText } from './policy-file';
import { renderSamplePolicy } from './sample';

/** What an operator does with the sample: uncomment the rule lines. */
const uncomment = (sample: string) => sample.replace(/^#(?=")/gm, '');

describe('renderSamplePolicy', () => {
  it('renders a rule like oslopolicy-sample-generator', () => {
    expect(
      renderSamplePolicy([
        {
          name: 'get_thing',
          checkStr: 'role:reader',
          description: 'Show a thing.',
          operations: [{ method: 'GET', path: '/v2/things/{thing_id}' }],
          scopeTypes: ['project'],
        },
      ]),
    ).toBe(
      '# Show a thing.\n# GET  /v2/things/{thing_id}\n# Intended scope(s): project\n#"get_thing": "role:reader"\n\n',
    );
  });

  it('wraps descriptions at 70 columns', () => {
    const sample = renderSamplePolicy([{ name: 'x', checkStr: '@', description: 'word '.repeat(30) }]);
    const descriptionLines = sample.split('\n').filter((line) => line.startsWith('# word'));
    expect(descriptionLines.length).toBeGreaterThan(1);
    expect(Math.max(...descriptionLines.map((line) => line.length))).toBeLessThanOrEqual(70);
  });

  it("loads back, uncommented, to exactly Glance's defaults", () => {
    const rules = parsePolicyText(
      'policy.yaml.sample',
      uncomment(renderSamplePolicy(GLANCE_POLICY_DEFAULTS)),
    );
    expect(Object.fromEntries(rules)).toEqual(
      Object.fromEntries(GLANCE_POLICY_DEFAULTS.map((rule) => [rule.name, rule.checkStr])),
    );
  });

  it('escapes double quotes so that check strings containing them stay valid YAML', () => {
    const sample = renderSamplePolicy([
      { name: 'public', checkStr: '"public":%(visibility)s', description: '' },
    ]);
    expect(sample).toBe('#"public": "\\"public\\":%(visibility)s"\n\n');
    expect(parsePolicyText('sample.yaml', uncomment(sample)).get('public')).toBe('"public":%(visibility)s');
  });
});
