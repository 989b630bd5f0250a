import { Controller } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IMAGE_SCHEMA, IMAGES_SCHEMA, MEMBER_SCHEMA, MEMBERS_SCHEMA } from '@glance-ts/contracts';
import { GlanceGet } from '../http/glance-get.decorator';
import { pythonJsonBody } from '../http/json-body';
import { Authenticated } from '../access/access.decorators';

const IMAGE_SCHEMA_BODY = pythonJsonBody(IMAGE_SCHEMA);
const IMAGES_SCHEMA_BODY = pythonJsonBody(IMAGES_SCHEMA);
const MEMBER_SCHEMA_BODY = pythonJsonBody(MEMBER_SCHEMA);
const MEMBERS_SCHEMA_BODY = pythonJsonBody(MEMBERS_SCHEMA);

/** JSON Schemas of image and member resources; python-glanceclient needs them before any v2 command. */
@ApiTags('Schemas')
@Controller('v2/schemas')
export class SchemasController {
  @GlanceGet('image')
  @Authenticated()
  @ApiOperation({ operationId: 'getImageSchema', summary: 'JSON Schema of an image' })
  @ApiOkResponse({
    description: 'A JSON Schema document.',
    schema: { type: 'object' },
    example: IMAGE_SCHEMA,
  })
  image(): Buffer {
    return IMAGE_SCHEMA_BODY;
  }

  @GlanceGet('images')
  @Authenticated()
  @ApiOperation({ operationId: 'getImagesSchema', summary: 'JSON Schema of an image list' })
  @ApiOkResponse({
    description: 'A JSON Schema document.',
    schema: { type: 'object' },
    example: IMAGES_SCHEMA,
  })
  images(): Buffer {
    return IMAGES_SCHEMA_BODY;
  }

  @GlanceGet('member')
  @Authenticated()
  @ApiOperation({ operationId: 'getMemberSchema', summary: 'JSON Schema of an image member' })
  @ApiOkResponse({
    description: 'A JSON Schema document.',
    schema: { type: 'object' },
    example: MEMBER_SCHEMA,
  })
  member(): Buffer {
    return MEMBER_SCHEMA_BODY;
  }

  @GlanceGet('members')
  @Authenticated()
  @ApiOperation({ operationId: 'getMembersSchema', summary: 'JSON Schema of a member list' })
  @ApiOkResponse({
    description: 'A JSON Schema document.',
    schema: { type: 'object' },
    example: MEMBERS_SCHEMA,
  })
  members(): Buffer {
    return MEMBERS_SCHEMA_BODY;
  }
}
