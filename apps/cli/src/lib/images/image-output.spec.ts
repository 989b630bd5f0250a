import { loads, type PyDict } from '@glance-ts/pycompat';
import { ListColumn } from '../output/formatters';
import {
  formatOneDecimal,
  imageListColumns,
  imageListOutput,
  imageShowOutput,
  imageText,
  makeSizeHumanReadable,
  printImageList,
} from './image-output';
import type { ImageBody } from './images-api';

function image(text: string): ImageBody {
  return { py: loads(text) as PyDict, json: JSON.parse(text) };
}

const CIRROS = image(
  '{"id": "7c1f", "name": "cirros", "size": 1536, "virtual_size": null, "tags": ["b", "a"], ' +
    '"checksum": null, "self": "/v2/images/7c1f", "file": "/v2/images/7c1f/file", "schema": "/v2/schemas/image", ' +
    '"stores": "local,web", "disk_format": "qcow2"}',
);

describe('sizes', () => {
  it("rounds one decimal as Python's '%.1f' does, ties to even", () => {
    expect(formatOneDecimal(1.25)).toBe('1.2');
    expect(formatOneDecimal(1.75)).toBe('1.8');
    expect(formatOneDecimal(2)).toBe('2.0');
  });

  it('prints 1024-based sizes without trailing zeros', () => {
    expect(makeSizeHumanReadable(null)).toBe('0B');
    expect(makeSizeHumanReadable(1536)).toBe('1.5kB');
    expect(makeSizeHumanReadable(1048576)).toBe('1MB');
  });
});

describe('image output', () => {
  it("leaves links out of glanceclient's table and fills in virtual_size", async () => {
    const text = await imageText(CIRROS, undefined, [], { humanReadable: true });
    expect(text).toMatch(/\n\| size {9}\| 1\.5kB {9}\|\n/);
    expect(text).toMatch(/\n\| virtual_size \| Not available \|\n/);
    expect(text).not.toContain('self');
    expect(text).not.toContain('/file');
  });

  it('gives -f json a sorted record with the values as sent', async () => {
    const text = await imageText(CIRROS, 'json', ['name', 'tags', 'virtual_size']);
    expect(JSON.parse(text)).toEqual({ name: 'cirros', tags: ['b', 'a'], virtual_size: null });
    const output = imageShowOutput(CIRROS);
    expect(output.columns).toEqual([...output.columns].sort());
    expect(output.rows[0][output.columns.indexOf('tags')]).toBeInstanceOf(ListColumn);
  });

  it('lists ID and Name, more with --verbose and --include-stores', () => {
    expect(imageListColumns(false, false)).toEqual(['ID', 'Name']);
    const columns = imageListColumns(true, true);
    expect(columns).toEqual([
      'ID',
      'Name',
      'Disk_format',
      'Container_format',
      'Size',
      'Status',
      'Owner',
      'Stores',
    ]);
    expect(imageListOutput([CIRROS], columns).rows[0]).toEqual([
      '7c1f',
      'cirros',
      'qcow2',
      null,
      1536,
      null,
      null,
      'local,web',
    ]);
    expect(printImageList([CIRROS], ['ID', 'Tags'])).toBe(
      [
        '+------+------------+',
        '| ID   | Tags       |',
        '+------+------------+',
        "| 7c1f | ['b', 'a'] |",
        '+------+------------+',
      ].join('\n'),
    );
  });
});
