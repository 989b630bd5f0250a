import { Module } from '@nestjs/common';
import { VersionsController } from './versions.controller';

/** The versions document (`/`, `/versions`). */
@Module({ controllers: [VersionsController] })
export class VersionsModule {}
