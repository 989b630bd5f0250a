import { applyDecorators, Get, Header } from '@nestjs/common';
import { ApiBadRequestResponse, ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from '@glance-ts/contracts';
import { GLANCE_MESSAGES } from './glance-error';

/**
 * A read-only JSON route the Glance way: `Content-Type: application/json` exactly, a request body
 * refused with 400, other methods answered 405 with `Allow: GET`. Documents those responses with
 * the bodies the API really sends for `Accept: application/json`.
 */
export const GlanceGet = (path?: string) =>
  applyDecorators(
    Get(path),
    Header('Content-Type', 'application/json'),
    ApiBadRequestResponse({
      description: 'The request had a body.',
      type: ErrorDto,
      example: {
        message: `${GLANCE_MESSAGES.bodyNotExpected}<br /><br />\n\n\n`,
        code: '400 Bad Request',
        title: 'Bad Request',
      },
    }),
    ApiResponse({
      status: 405,
      description: 'Any method but GET (`Allow: GET`).',
      type: ErrorDto,
      example: {
        message: 'The method POST is not allowed for this resource. <br /><br />\n',
        code: '405 Method Not Allowed',
        title: 'Method Not Allowed',
      },
    }),
  );
