import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsInt, IsObject, IsString, ValidateNested } from 'class-validator';

/** Glance's import methods (`enabled_import_methods`). */
export const IMPORT_METHODS = ['glance-direct', 'web-download', 'copy-image', 'glance-download'] as const;

export class ImportMethodsDto {
  @ApiProperty({ example: 'Import methods available.' })
  @IsString()
  description!: string;

  @ApiProperty({ example: 'array' })
  @Equals('array')
  type!: 'array';

  @ApiProperty({ type: [String], example: ['glance-direct', 'web-download', 'copy-image'] })
  @IsString({ each: true })
  value!: string[];
}

export class ImportInfoDto {
  @ApiProperty({ type: ImportMethodsDto })
  @ValidateNested()
  @Type(() => ImportMethodsDto)
  'import-methods'!: ImportMethodsDto;
}

export class UsageQuotaDto {
  @ApiProperty({ example: 0 })
  @IsInt()
  usage!: number;

  @ApiProperty({ example: 1000 })
  @IsInt()
  limit!: number;
}

export class UsageDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/UsageQuotaDto' },
    example: {},
    description:
      'Per-quota usage (`image_size_total`, `image_count_total`, `image_stage_total`, `image_count_uploading`; ' +
      'sizes in MiB). Empty while unified limits are not in use.',
  })
  @IsObject()
  usage!: Record<string, UsageQuotaDto>;
}
