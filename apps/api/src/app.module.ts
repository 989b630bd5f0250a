import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Logger } from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { AccessModule } from './access/access.module';
import { DocsModule } from './docs/docs.module';
import { ImagesModule } from './images/images.module';
import { InfoModule } from './info/info.module';
import { type GlanceRuntime, RuntimeModule } from './runtime.module';
import { SchemasModule } from './schemas/schemas.module';
import { VersionsModule } from './versions/versions.module';

export type { GlanceRuntime } from './runtime.module';

/** The service: the runtime's parts, one module per feature, and the one access guard. */
@Module({})
export class AppModule {
  static forRoot(runtime: GlanceRuntime, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Nest's own messages go to the service's pino logger. No per-request middleware (forRoutes: []):
        // Fastify already binds the request id to request.log, and the discovery routes stay lean.
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] }),
        // Nest's route discovery (the test that every route has an access marker reads it).
        DiscoveryModule,
        RuntimeModule.forRoot(runtime),
        VersionsModule,
        InfoModule,
        SchemasModule,
        ImagesModule,
        DocsModule,
        AccessModule.forRoot(ImagesModule),
      ],
    };
  }
}
