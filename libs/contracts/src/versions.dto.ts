import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUrl, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';

export class LinkDto {
  @ApiProperty({ example: 'self' })
  @IsString()
  rel!: string;

  @ApiProperty({ example: 'http://127.0.0.1:9292/v2/' })
  @IsUrl({ require_tld: false })
  href!: string;
}

export const VERSION_STATUSES = ['CURRENT', 'SUPPORTED', 'DEPRECATED', 'EXPERIMENTAL'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export class VersionDto {
  @ApiProperty({ example: 'v2.16', description: 'API version, `v<major>.<minor>`.' })
  @IsString()
  id!: string;

  @ApiProperty({ enum: VERSION_STATUSES, example: 'CURRENT' })
  @IsIn(VERSION_STATUSES)
  status!: VersionStatus;

  @ApiProperty({ type: [LinkDto] })
  @ValidateNested({ each: true })
  @Type(() => LinkDto)
  links!: LinkDto[];
}

export class VersionsDto {
  @ApiProperty({ type: [VersionDto], description: 'Supported versions, newest first.' })
  @ValidateNested({ each: true })
  @Type(() => VersionDto)
  versions!: VersionDto[];
}
