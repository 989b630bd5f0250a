// glance stores-info [--detail]: GET /v2/info/stores(/detail), printed as glanceclient's
// Property/Value table, or as openstackclient-style rows with -f/-c.
import type { StoreDetailDto, StoreDto, StoresDetailDto, StoresDto } from '@glance-ts/contracts';
import { Flags } from '@oclif/core';
import { GlanceCommand } from '../base-command';
import { ImageApiError } from '@glance-ts/image-client';
import { CliError } from '../lib/errors';
import { pyJson } from '../lib/py-response';
import { DictColumn, type Cell, type ListOutput, renderList, selectColumns } from '../lib/output/formatters';
import { printDict } from '../lib/output/glanceclient';
import { chosenFormat, outputFlags, tableFitWidth } from '../lib/output/output-flags';
import { PyDict } from '@glance-ts/pycompat';

/** Glance flags a default or read-only store with the string "true" and omits the key otherwise. */
function isSet(value: unknown): boolean {
  return value === true || value === 'true';
}

/** The rows -f/-c print: ID, Description, Default, Read-only (+ Type, Weight, Properties with --detail). */
export function storesListing(stores: readonly (StoreDto | StoreDetailDto)[], detail: boolean): ListOutput {
  const columns = [
    'ID',
    'Description',
    'Default',
    'Read-only',
    ...(detail ? ['Type', 'Weight', 'Properties'] : []),
  ];
  const rows = stores.map((store): Cell[] => {
    const row: Cell[] = [
      store.id,
      store.description ?? null,
      isSet(store.default),
      isSet(store['read-only']),
    ];
    if (detail) {
      const detailed = store as Partial<StoreDetailDto>;
      row.push(
        detailed.type ?? null,
        detailed.weight ?? null,
        new DictColumn({ ...(detailed.properties ?? {}) }),
      );
    }
    return row;
  });
  return { columns, rows };
}

export default class StoresInfo extends GlanceCommand {
  static override description = 'Print available backends from Glance.';

  static override flags = {
    detail: Flags.boolean({ description: 'Shows details of stores. Admin only.' }),
    ...outputFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(StoresInfo);
    const client = await this.client(flags);
    const path = flags.detail ? '/v2/info/stores/detail' : '/v2/info/stores';

    let response;
    try {
      response = await client.getJson(path);
    } catch (error) {
      // Glance answers 404 on both routes when no enabled_backends are configured.
      if (error instanceof ImageApiError && error.status === 404)
        throw new CliError('Multi Backend support is not enabled');
      throw error;
    }

    const format = chosenFormat(flags);
    if (format === undefined) {
      // glanceclient prints the whole body through print_dict: parse it the way Python does.
      const body = pyJson(response);
      if (!(body instanceof PyDict))
        throw new CliError(`Invalid response from ${response.url}: expected a JSON object`);
      this.writeOut(printDict(body) + '\n');
      return;
    }

    const body = response.json<StoresDto | StoresDetailDto>();
    if (!Array.isArray(body?.stores))
      throw new CliError(`Invalid response from ${response.url}: no "stores" list`);
    const listing = selectColumns(storesListing(body.stores, flags.detail), flags.column ?? []);
    this.writeOut(await renderList(format, listing, { fitWidth: tableFitWidth() }));
  }
}
