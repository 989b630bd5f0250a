import { Controller, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ImportInfoDto, StoresDetailDto, StoresDto, UsageDto } from '@glance-ts/contracts';
import { GlanceGet } from '../http/glance-get.decorator';
import { Authenticated, Policy, RequiresMultiStore } from '../access/access.decorators';
import { InfoService } from './info.service';
import { IMPORT_INFO_EXAMPLE, STORES_DETAIL_EXAMPLE, STORES_EXAMPLE } from './info.examples';

/** Glance's discovery API: `/v2/info/*`. */
@ApiTags('Discovery')
@Controller('v2/info')
export class InfoController {
  constructor(@Inject(InfoService) private readonly info: InfoService) {}

  @GlanceGet('stores')
  @Authenticated()
  @RequiresMultiStore()
  @ApiOperation({
    operationId: 'listStores',
    summary: 'List stores',
    description:
      'The enabled stores in `enabled_backends` order. Reserved `os_glance_` stores are never listed.',
  })
  @ApiOkResponse({ description: 'The stores.', type: StoresDto, example: STORES_EXAMPLE })
  listStores(): Buffer {
    return this.info.storesBody();
  }

  @GlanceGet('stores/detail')
  @RequiresMultiStore()
  @Policy('stores_info_detail')
  @ApiOperation({
    operationId: 'listStoresDetail',
    summary: 'List stores with their type and properties',
    description:
      'Each store with its `type`, `properties` (for rbd: `chunk_size`, `pool`, `thin_provisioning`, `fsid`) ' +
      'and `weight`. Admin or service only by default (policy `stores_info_detail`).',
  })
  @ApiOkResponse({
    description: 'The stores with their details.',
    type: StoresDetailDto,
    example: STORES_DETAIL_EXAMPLE,
  })
  listStoresDetail(): Buffer {
    return this.info.storesDetailBody();
  }

  @GlanceGet('import')
  @Authenticated()
  @ApiOperation({ operationId: 'getImportInfo', summary: 'List the import methods' })
  @ApiOkResponse({
    description: 'The enabled import methods.',
    type: ImportInfoDto,
    example: IMPORT_INFO_EXAMPLE,
  })
  importInfo(): Buffer {
    return this.info.importInfoBody();
  }

  @GlanceGet('usage')
  @Authenticated()
  @ApiOperation({
    operationId: 'getUsage',
    summary: "The caller's quota usage",
    description: 'Empty while Keystone unified limits are not in use (glance-ts has no limits yet).',
  })
  @ApiOkResponse({ description: 'Usage per quota.', type: UsageDto, example: { usage: {} } })
  usage(): Buffer {
    return this.info.usageBody();
  }
}
