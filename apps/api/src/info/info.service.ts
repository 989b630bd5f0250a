import { Inject, Injectable } from '@nestjs/common';
import type { ImportInfoDto, UsageDto } from '@glance-ts/contracts';
import type { GlanceConfig } from '@glance-ts/config';
import { GLANCE_CONFIG } from '../config/config.tokens';
import { pythonJsonBody } from '../http/json-body';
import { StoreRegistry } from '@glance-ts/stores';

/**
 * Bodies of the discovery routes, serialised the way Glance does. The store bodies are built once
 * and again only after the registry reports a change, so discovery costs no serialisation per
 * request.
 */
@Injectable()
export class InfoService {
  private readonly importBody: Buffer;
  private readonly emptyUsageBody: Buffer;
  private cachedListBody: Buffer | null = null;
  private cachedDetailBody: Buffer | null = null;

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
    stores.onDiscoveryChanged(() => {
      this.cachedListBody = null;
      this.cachedDetailBody = null;
    });
  }

  storesBody(): Buffer {
    return (this.cachedListBody ??= pythonJsonBody(this.stores.list()));
  }

  storesDetailBody(): Buffer {
    return (this.cachedDetailBody ??= pythonJsonBody(this.stores.detail()));
  }

  importInfoBody(): Buffer {
    return this.importBody;
  }

  usageBody(): Buffer {
    return this.emptyUsageBody;
  }
}
