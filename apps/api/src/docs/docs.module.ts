import { Module } from '@nestjs/common';
import { DocsController } from './docs.controller';

/** The live API reference (`/docs`, `/docs/openapi.json`). */
@Module({ controllers: [DocsController] })
export class DocsModule {}
