import { Module } from '@nestjs/common';
import { InfoController } from './info.controller';
import { InfoService } from './info.service';

/** Discovery: `/v2/info/stores`, `/v2/info/stores/detail`, `/v2/info/import`, `/v2/info/usage`. */
@Module({ controllers: [InfoController], providers: [InfoService] })
export class InfoModule {}
