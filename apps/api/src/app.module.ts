import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import type { Logger } from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { PolicyEnforcer } from '@glance-ts/policy';
import type { GlanceConfig } from '@glance-ts/config';
import type { ImageDatabase } from '@glance-ts/db';
import { GLANCE_CONFIG } from './config/config.tokens';
import { DocsController } from './docs/docs.controller';
import { OpenApiDocumentHolder } from './docs/openapi-document';
import { ImageAuthorizer } from './images/image-authorizer';
import { ImageDataController } from './images/image-data.controller';
import { ImageDataService } from './images/image-data.service';
import { HashJobRunner } from './images/hash-job-runner';
import { ImageLocationsController } from './images/image-locations.controller';
import { ImageLocationsService } from './images/image-locations.service';
import { ImagesController } from './images/images.controller';
import { ImagesService } from './images/images.service';
import { HASH_JOB_REPOSITORY, IMAGE_REPOSITORY } from './images/images.tokens';
import { InfoController } from './info/info.controller';
import { InfoService } from './info/info.service';
import { LocationAdmission } from './images/location-admission';
import { UploadRecovery } from './images/upload-recovery';
import { RouteAccessGuard } from './policy/route-access.guard';
import { SchemasController } from './schemas/schemas.controller';
import { StoreRegistry } from '@glance-ts/stores';
import { VersionsController } from './versions/versions.controller';

/** What bootstrap validated and built before Nest starts: config, policy, stores. */
export interface GlanceRuntime {
  config: GlanceConfig;
  enforcer: PolicyEnforcer;
  stores: StoreRegistry;
  openApi: OpenApiDocumentHolder;
  database: ImageDatabase;
}

@Module({})
export class AppModule {
  static forRoot(runtime: GlanceRuntime, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      // Nest's own messages go to the service's pino logger. No per-request middleware (forRoutes: []):
      // Fastify already binds the request id to request.log, and the discovery routes stay lean.
      imports: [
        LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] }),
        DiscoveryModule,
      ],
      controllers: [
        VersionsController,
        InfoController,
        SchemasController,
        ImagesController,
        ImageDataController,
        ImageLocationsController,
        DocsController,
      ],
      providers: [
        { provide: GLANCE_CONFIG, useValue: runtime.config },
        { provide: PolicyEnforcer, useValue: runtime.enforcer },
        { provide: StoreRegistry, useValue: runtime.stores },
        { provide: OpenApiDocumentHolder, useValue: runtime.openApi },
        { provide: IMAGE_REPOSITORY, useValue: runtime.database.images },
        { provide: HASH_JOB_REPOSITORY, useValue: runtime.database.hashJobs },
        InfoService,
        ImageAuthorizer,
        ImagesService,
        ImageDataService,
        ImageLocationsService,
        LocationAdmission,
        HashJobRunner,
        UploadRecovery,
        { provide: APP_GUARD, useClass: RouteAccessGuard },
      ],
    };
  }
}
