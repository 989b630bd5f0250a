import { Inject, Injectable } from '@nestjs/common';
import type { ImportInfoDto, UsageDto } from '@glance-ts/contracts';
import type { GlanceConfig } from '@glance-ts/config';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { pythonJsonBody } from '../http/python-json';
import { StoreRegistry } from '../stores/store-registry';

/** Bodies of the discovery routes, serialised the way Glance does. */
@Injectable()
export class InfoService {
  private readonly importBody: Buffer;
  private readonly emptyUsageBody: Buffer;

  constructor(
    @Inject(GLANCE_CONFIG) config: GlanceConfig,
    @Inject(StoreRegistry) private readonly stores: StoreRegistry,
  ) {
    const importInfo: ImportInfoDto = {
      'import-methods': {
        description: 'Import methods available.',
        type: 'array',
        value: [...config.importMethods],
      },
    };
    this.importBody = pythonJsonBody(importInfo);
    const usage: UsageDto = { usage: {} };
    this.emptyUsageBody = pythonJsonBody(usage);
  }

  storesBody(): Buffer {
    return this.stores.listBody();
  }

  storesDetailBody(): Buffer {
    return this.stores.detailBody();
  }

  importInfoBody(): Buffer {
    return this.importBody;
  }

  usageBody(): Buffer {
    return this.emptyUsageBody;
  }
}
