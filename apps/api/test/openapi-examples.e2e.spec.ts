import { buildOpenApiDocument } from '../src/docs/openapi-document';
import { useTokenApis } from './support/configs';
import { rawRequest } from './support/raw-http';

/**
 * Every example in the API reference is what the API really answers: for each documented
 * (route, status) with an example, make the request that produces that status and compare.
 */
interface DocumentedExample {
  path: string;
  status: string;
  example: unknown;
}

describe('OpenAPI examples match the real responses', () => {
  const apis = useTokenApis();

  const documented = (): DocumentedExample[] => {
    const document = buildOpenApiDocument(apis.api.app);
    const examples: DocumentedExample[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      // Image routes need images to provoke their answers; images-api.e2e.spec.ts covers them, and
      // their only examples are the generic 401/403 bodies of the access decorators.
      if (path.startsWith('/v2/images')) continue;
      for (const [status, response] of Object.entries(item.get?.responses ?? {})) {
        const content = (response as { content?: Record<string, { example?: unknown }> }).content;
        const example = content?.['application/json']?.example;
        if (example !== undefined) examples.push({ path, status, example });
      }
    }
    return examples;
  };

  /** The request that yields `status` on `path`. */
  async function provoke(path: string, status: string) {
    const headers: [string, string][] = [
      ['Host', '127.0.0.1:9292'],
      ['Accept', 'application/json'],
    ];
    const token = (t: string): [string, string][] => [...headers, ['X-Auth-Token', t]];
    switch (status) {
      case '200':
      case '300':
        return rawRequest(apis.api.port, { method: 'GET', path, headers: token('admin-token') });
      case '400':
        return rawRequest(apis.api.port, {
          method: 'GET',
          path,
          headers: token('admin-token'),
          body: '{"a": 1}',
        });
      case '401':
        return rawRequest(apis.api.port, { method: 'GET', path, headers });
      case '403':
        return rawRequest(apis.api.port, { method: 'GET', path, headers: token('member-token') });
      case '404':
        return rawRequest(apis.noMulti.port, { method: 'GET', path, headers: token('admin-token') });
      case '405':
        return rawRequest(apis.api.port, { method: 'POST', path, headers: token('admin-token') });
      default:
        throw new Error(`no way to provoke ${status} on ${path}`);
    }
  }

  it('documents success and error examples for every route', () => {
    const statuses = new Map<string, string[]>();
    for (const { path, status } of documented()) statuses.set(path, [...(statuses.get(path) ?? []), status]);
    expect(statuses.get('/v2/info/stores/detail')?.sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '405',
    ]);
    expect(statuses.get('/v2/info/stores')?.sort()).toEqual(['200', '400', '401', '404', '405']);
    for (const [path, codes] of statuses) {
      expect([path, codes.some((c) => c.startsWith('2') || c === '300')]).toEqual([path, true]);
    }
  });

  it('has examples equal to the real bodies', async () => {
    const mismatches: unknown[] = [];
    for (const { path, status, example } of documented()) {
      const response = await provoke(path, status);
      const body = JSON.parse(response.body) as unknown;
      if (String(response.status) !== status || JSON.stringify(body) !== JSON.stringify(example)) {
        mismatches.push({ path, status, got: response.status, body, example });
      }
    }
    expect(mismatches).toEqual([]);
  });
});
