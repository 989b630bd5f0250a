import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  ValidateNested,
} from 'class-validator';

import { STORE_TYPES, type StoreType } from './store-types';

/**
 * One entry of `GET /v2/info/stores`. Glance sends the flags as the STRING "true" and omits them
 * otherwise; `description` is omitted when the store has none. Key order on the wire is
 * id, description, default, read-only.
 */
export class StoreDto {
  @ApiProperty({ example: 'fast', description: 'The store identifier from `enabled_backends`.' })
  @IsString()
  id!: string;

  @ApiPropertyOptional({ example: 'Fast RBD backend', description: "The store's `store_description`." })
  @IsOptional()
  @IsString()
  description?: string;

  @ApiPropertyOptional({
    enum: ['true'],
    description: 'Present (as the string "true") on the default store only.',
  })
  @IsOptional()
  @Equals('true')
  default?: 'true';

  @ApiPropertyOptional({
    enum: ['true'],
    description: 'Present (as the string "true") on read-only stores (type http).',
  })
  @IsOptional()
  @Equals('true')
  'read-only'?: 'true';
}

export class StoresDto {
  @ApiProperty({
    type: [StoreDto],
    description: 'Stores in `enabled_backends` order; reserved `os_glance_` stores are never listed.',
  })
  @ValidateNested({ each: true })
  @Type(() => StoreDto)
  stores!: StoreDto[];
}

export class RbdStorePropertiesDto {
  @ApiProperty({
    example: 8388608,
    description: 'Object size of new RBD images in bytes (`rbd_store_chunk_size` MiB).',
  })
  @IsInt()
  chunk_size!: number;

  @ApiProperty({ example: 'images', description: '`rbd_store_pool`.' })
  @IsString()
  pool!: string;

  @ApiProperty({ example: false, description: '`rbd_thin_provisioning`.' })
  @IsBoolean()
  thin_provisioning!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '9f1c3a52-2d7e-4e2b-9b7a-0c5f3e1d2a4b',
    description: 'The Ceph cluster fsid, null until the cluster has been reached.',
  })
  @IsOptional()
  @IsString()
  fsid!: string | null;
}

export class FileStorePropertiesDto {
  @ApiProperty({ example: '/var/lib/glance/images', description: '`filesystem_store_datadir`.' })
  @IsString()
  data_dir!: string;

  @ApiProperty({ example: 65536, description: '`filesystem_store_chunk_size` in bytes.' })
  @IsInt()
  chunk_size!: number;

  @ApiProperty({ example: false, description: '`filesystem_thin_provisioning`.' })
  @IsBoolean()
  thin_provisioning!: boolean;
}

/** The http store has no properties. */
export class HttpStorePropertiesDto {}

export class CinderStorePropertiesDto {
  @ApiProperty({ type: String, nullable: true, example: null, description: '`cinder_volume_type`.' })
  @IsOptional()
  @IsString()
  volume_type!: string | null;

  @ApiProperty({ example: false, description: '`cinder_use_multipath`.' })
  @IsBoolean()
  use_multipath!: boolean;
}

export class SwiftStorePropertiesDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'glance',
    description: '`swift_store_container`; null for multi-tenant stores.',
  })
  @IsOptional()
  @IsString()
  container!: string | null;

  @ApiProperty({
    example: 5242880000,
    description: '`swift_store_large_object_size` in bytes (Glance\'s "MB" is 1,024,000 bytes).',
  })
  @IsInt()
  large_object_size!: number;

  @ApiProperty({
    example: 204800000,
    description: '`swift_store_large_object_chunk_size` in bytes (1 "MB" = 1,024,000).',
  })
  @IsInt()
  large_object_chunk_size!: number;
}

export class S3StorePropertiesDto {
  @ApiProperty({ example: 104857600, description: '`s3_store_large_object_size` in bytes.' })
  @IsInt()
  s3_store_large_object_size!: number;

  @ApiProperty({ example: 10485760, description: '`s3_store_large_object_chunk_size` in bytes.' })
  @IsInt()
  s3_store_large_object_chunk_size!: number;

  @ApiProperty({ example: 10, description: '`s3_store_thread_pools`.' })
  @IsInt()
  s3_store_thread_pools!: number;
}

/** Discovery properties per store type: the one map from type to its properties shape. */
export interface StorePropertiesByType {
  rbd: RbdStorePropertiesDto;
  file: FileStorePropertiesDto;
  http: HttpStorePropertiesDto;
  cinder: CinderStorePropertiesDto;
  swift: SwiftStorePropertiesDto;
  s3: S3StorePropertiesDto;
}
export type StoreProperties = StorePropertiesByType[StoreType];

export const STORE_PROPERTIES_DTOS = {
  rbd: RbdStorePropertiesDto,
  file: FileStorePropertiesDto,
  http: HttpStorePropertiesDto,
  cinder: CinderStorePropertiesDto,
  swift: SwiftStorePropertiesDto,
  s3: S3StorePropertiesDto,
} as const satisfies Record<StoreType, new () => object>;

/** One entry of `GET /v2/info/stores/detail`: the list entry plus `type`, `properties`, `weight`. */
@ApiExtraModels(...Object.values(STORE_PROPERTIES_DTOS))
export class StoreDetailDto extends StoreDto {
  @ApiProperty({ enum: STORE_TYPES, example: 'rbd', description: "The store's driver." })
  @IsIn(STORE_TYPES)
  type!: StoreType;

  @ApiProperty({
    description: 'Driver-specific properties; never credentials. The shape depends on `type`.',
    oneOf: Object.values(STORE_PROPERTIES_DTOS).map((dto) => ({ $ref: getSchemaPath(dto) })),
  })
  @IsObject()
  properties!: StoreProperties;

  @ApiProperty({ example: 0, description: "The store's `weight` (used to order locations), default 0." })
  @IsInt()
  weight!: number;
}

export class StoresDetailDto {
  @ApiProperty({ type: [StoreDetailDto] })
  @ValidateNested({ each: true })
  @Type(() => StoreDetailDto)
  stores!: StoreDetailDto[];
}
