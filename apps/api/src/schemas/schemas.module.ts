import { Module } from '@nestjs/common';
import { SchemasController } from './schemas.controller';

/** The JSON schemas (`/v2/schemas/*`). */
@Module({ controllers: [SchemasController] })
export class SchemasModule {}
