import { describeValidationError, findSchemaError, type JsonSchema } from '@glance-ts/pycompat';
import { ImageRequestError } from './image-errors';

/** `POST /v2/images/{id}/locations`: a location URL and, optionally, the hash of its data. */
export interface AddLocationRequest {
  url: string;
  /** The client's os_hash_algo / os_hash_value for the data; null when not given. */
  validationData: { osHashAlgo: string; osHashValue: string } | null;
}

/** Glance 2024.2's request schema of the add-location call (glance/api/v2/images.py). */
export const ADD_LOCATION_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    url: { type: 'string', maxLength: 255 },
    validation_data: {
      type: 'object',
      properties: {
        os_hash_algo: { type: 'string', maxLength: 64 },
        os_hash_value: { type: 'string', maxLength: 128 },
      },
      required: ['os_hash_algo', 'os_hash_value'],
      additionalProperties: false,
    },
  },
  required: ['url'],
  additionalProperties: false,
};

/**
 * Checks the body against the schema, then the hash: the algorithm must be the one this service
 * computes (`hashing_algorithm`) and the value a digest of that algorithm, or the background check
 * could never match.
 */
export function parseAddLocationBody(body: unknown, hashingAlgorithm: 'sha512'): AddLocationRequest {
  // Glance's JSONRequestDeserializer first: a body, and a dict or list.
  if (body === undefined) throw new ImageRequestError(400, 'Body expected in request.');
  if (typeof body !== 'object' || body === null) {
    throw new ImageRequestError(400, 'Unexpected body type. Expected list/dict.');
  }
  const error = findSchemaError(body, ADD_LOCATION_SCHEMA);
  if (error) {
    throw new ImageRequestError(
      400,
      `Provided object does not match schema 'location': ${describeValidationError(error)}`,
    );
  }
  const request = body as { url: string; validation_data?: { os_hash_algo: string; os_hash_value: string } };
  if (request.url.trim() === '') throw new ImageRequestError(400, 'The location URL must not be empty.');
  // No store can have a NUL in a location (and file paths cannot hold one).
  if (request.url.includes('\0')) throw new ImageRequestError(400, 'Invalid location');
  const data = request.validation_data;
  if (!data) return { url: request.url, validationData: null };
  if (data.os_hash_algo !== hashingAlgorithm) {
    throw new ImageRequestError(
      400,
      `os_hash_algo must be ${hashingAlgorithm} (this service's hashing_algorithm), not ${data.os_hash_algo}.`,
    );
  }
  if (!/^[0-9a-f]{128}$/.test(data.os_hash_value)) {
    throw new ImageRequestError(
      400,
      `os_hash_value must be the 128 lowercase hex digits of a ${hashingAlgorithm} digest.`,
    );
  }
  return {
    url: request.url,
    validationData: { osHashAlgo: data.os_hash_algo, osHashValue: data.os_hash_value },
  };
}
