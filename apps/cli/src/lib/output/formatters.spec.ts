import { CliError } from '../errors';
import { DictColumn, type ListOutput, formatDict, renderList, selectColumns } from './formatters';

const LISTING: ListOutput = {
  columns: ['ID', 'Weight', 'Default', 'Properties'],
  rows: [
    ['fast', 100, true, new DictColumn({ pool: 'images', chunk_size: 8388608 })],
    ['web', 0, false, new DictColumn({})],
  ],
};

describe('formatDict (osc-lib)', () => {
  it('sorts keys, quotes values, flattens nested dicts and leaves None empty', () => {
    expect(formatDict({ b: 1, a: 'x', n: null, d: { z: true, y: [1, 'two'] } })).toBe(
      "a='x', b='1', d.y='[1, 'two']', d.z='True', n=",
    );
    expect(formatDict({})).toBe('');
  });
});

describe('selectColumns (cliff -c)', () => {
  it('keeps known columns in the command order and ignores unknown ones', () => {
    const selected = selectColumns(LISTING, ['Default', 'Nope', 'ID']);
    expect(selected.columns).toEqual(['ID', 'Default']);
    expect(selected.rows).toEqual([
      ['fast', true],
      ['web', false],
    ]);
  });

  it("fails with cliff's message when nothing is recognised", () => {
    expect(() => selectColumns(LISTING, ['Nope'])).toThrow(
      new CliError(
        "No recognized column names in ['Nope']. Recognized columns are ('ID', 'Weight', 'Default', 'Properties').",
      ),
    );
  });
});

describe('renderList', () => {
  it('table: numbers right-aligned (from the first row), dicts as key=value text', async () => {
    expect(await renderList('table', LISTING)).toBe(
      [
        '+------+--------+---------+-------------------------------------+',
        '| ID   | Weight | Default | Properties                          |',
        '+------+--------+---------+-------------------------------------+',
        "| fast |    100 | True    | chunk_size='8388608', pool='images' |",
        '| web  |      0 | False   |                                     |',
        '+------+--------+---------+-------------------------------------+',
        '',
      ].join('\n'),
    );
  });

  it('table: fits a terminal width like cliff, shrinking the widest column', async () => {
    // 50 columns: 37 usable; ID, Weight, Default fit the 9-column share, Properties gets the rest (20).
    // Expected text as prettytable prints it with max_width['Properties'] = 20.
    expect(await renderList('table', LISTING, { fitWidth: 50 })).toBe(
      [
        '+------+--------+---------+----------------------+',
        '| ID   | Weight | Default | Properties           |',
        '+------+--------+---------+----------------------+',
        "| fast |    100 | True    | chunk_size='8388608' |",
        "|      |        |         | , pool='images'      |",
        '| web  |      0 | False   |                      |',
        '+------+--------+---------+----------------------+',
        '',
      ].join('\n'),
    );
  });

  it('an empty table is a lone newline (cliff: print_empty=False)', async () => {
    expect(await renderList('table', { columns: ['ID'], rows: [] })).toBe('\n');
  });

  it('json: objects in column order, dicts as objects, null for missing values', async () => {
    const text = await renderList('json', {
      columns: ['ID', 'Type', 'Properties'],
      rows: [['x', null, new DictColumn({ a: 1 })]],
    });
    expect(text).toBe(
      '[\n  {\n    "ID": "x",\n    "Type": null,\n    "Properties": {\n      "a": 1\n    }\n  }\n]\n',
    );
  });

  it('yaml: block style in column order', async () => {
    expect(await renderList('yaml', { columns: ['ID', 'Default'], rows: [['x', true]] })).toBe(
      '- ID: x\n  Default: true\n',
    );
    expect(await renderList('yaml', { columns: ['ID'], rows: [] })).toBe('[]\n');
  });

  it('value: cells joined by spaces, missing values empty, one row per line', async () => {
    expect(
      await renderList('value', {
        columns: ['ID', 'Type', 'Default'],
        rows: [
          ['x', null, false],
          ['y', 'rbd', true],
        ],
      }),
    ).toBe('x  False\ny rbd True\n');
  });
});
