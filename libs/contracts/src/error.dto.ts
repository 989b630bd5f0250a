import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';

/** Glance's (webob's) JSON error body, sent when the request accepts application/json. */
export class ErrorDto {
  @ApiProperty({ example: 'You are not authorized to complete stores_info_detail action.<br /><br />\n\n\n' })
  @IsString()
  message!: string;

  @ApiProperty({ example: '403 Forbidden' })
  @IsString()
  code!: string;

  @ApiProperty({ example: 'Forbidden' })
  @IsString()
  title!: string;
}
