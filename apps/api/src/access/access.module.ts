import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RouteAccessGuard } from './route-access.guard';

/**
 * The one global guard (RouteAccessGuard). It resolves image targets through IMAGE_ACCESS, which a
 * feature module exports (the images feature): `AccessModule.forRoot(ImagesModule)`.
 */
@Module({})
export class AccessModule {
  static forRoot(imageAccessProvider: Type): DynamicModule {
    return {
      module: AccessModule,
      imports: [imageAccessProvider],
      providers: [{ provide: APP_GUARD, useClass: RouteAccessGuard }],
    };
  }
}
