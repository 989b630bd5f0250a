import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { GlanceConfig } from '@glance-ts/config';
import type { ImageDatabase } from '@glance-ts/db';
import { PolicyEnforcer } from '@glance-ts/policy';
import { StoreRegistry } from '@glance-ts/stores';
import { GLANCE_CONFIG } from './config/config.tokens';
import { OpenApiDocumentHolder } from './docs/openapi-document';
import { HASH_JOB_REPOSITORY, IMAGE_MEMBER_REPOSITORY, IMAGE_REPOSITORY } from './images/images.tokens';

/** What bootstrap validated and built before Nest starts: config, policy, stores, database. */
export interface GlanceRuntime {
  config: GlanceConfig;
  enforcer: PolicyEnforcer;
  stores: StoreRegistry;
  openApi: OpenApiDocumentHolder;
  database: ImageDatabase;
}

/**
 * The runtime's parts as providers every feature module may inject. Bootstrap builds them (and
 * fails at start, naming the config key, when it cannot); Nest only hands them out.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(runtime: GlanceRuntime): DynamicModule {
    const providers = [
      { provide: GLANCE_CONFIG, useValue: runtime.config },
      { provide: PolicyEnforcer, useValue: runtime.enforcer },
      { provide: StoreRegistry, useValue: runtime.stores },
      { provide: OpenApiDocumentHolder, useValue: runtime.openApi },
      { provide: IMAGE_REPOSITORY, useValue: runtime.database.images },
      { provide: HASH_JOB_REPOSITORY, useValue: runtime.database.hashJobs },
      { provide: IMAGE_MEMBER_REPOSITORY, useValue: runtime.database.members },
    ];
    return { module: RuntimeModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
