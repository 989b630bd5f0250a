// An Image API server for the CLI's end-to-end tests. For now it replays the reference captures
// of real Glance 25 (captures/main/*.http); the real glance-ts API can replace it behind the same
// interface:
//   startApiServer(scenario) -> { url, close, requests }
//   scenario 'multi-store'     three roles: ADMIN_TOKEN (admin), MEMBER_TOKEN (member), any other
//                              token is rejected (401) by the auth layer
//   scenario 'no-multi-store'  no enabled_backends: both stores routes answer 404
// Error bodies follow Glance's Accept negotiation (JSON, HTML for */*, text otherwise).
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CapturedResponse, readHttpCapture } from './captures';

export const ADMIN_TOKEN = 'admin-token';
export const MEMBER_TOKEN = 'member-token';

export type Scenario = 'multi-store' | 'no-multi-store';

export interface ApiServerOptions {
  /** Serve the API below this path, like a proxy publishing it at http://host/image. */
  pathPrefix?: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface ApiServer {
  /** Base URL to pass as --os-image-url (includes the path prefix, no trailing slash). */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Role = 'admin' | 'member' | 'anonymous';
type BodyFormat = 'json' | 'html' | 'text';

/** webob's choice of error body format for an Accept header. */
function errorFormat(accept: string | undefined): BodyFormat {
  if (!accept) return 'text';
  if (accept.includes('application/json')) return 'json';
  if (accept.includes('*/*') || accept.includes('text/html')) return 'html';
  return 'text';
}

function roleOf(token: string | string[] | undefined): Role {
  if (token === ADMIN_TOKEN) return 'admin';
  if (token === MEMBER_TOKEN) return 'member';
  return 'anonymous';
}

/** Glance's 404 bodies when multi-store is off; no capture has them, so they are built from 40/57. */
function multiBackendNotSupported(format: BodyFormat): CapturedResponse {
  const text = 'Multi backend is not supported at this site.';
  if (format === 'json') {
    const body = `{"message": "${text}<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}`;
    return { ...readHttpCapture('57-get-info-unknown-admin-accept-json'), body: Buffer.from(body) };
  }
  const html = readHttpCapture('40-get-info-unknown-admin');
  if (format === 'html')
    return {
      ...html,
      body: Buffer.from(html.body.toString().replace('The resource could not be found.', text)),
    };
  return {
    ...html,
    headers: html.headers.map(([n, v]): [string, string] => [
      n,
      n.toLowerCase() === 'content-type' ? 'text/plain; charset=UTF-8' : v,
    ]),
    body: Buffer.from(`404 Not Found\n\n${text}\n\n   `),
  };
}

function storesResponse(
  scenario: Scenario,
  detail: boolean,
  role: Role,
  format: BodyFormat,
): CapturedResponse {
  if (role === 'anonymous') {
    return readHttpCapture(
      format === 'json'
        ? '58-get-detail-noauth-accept-json'
        : detail
          ? '22-get-detail-noauth'
          : '12-get-stores-noauth',
    );
  }
  if (scenario === 'no-multi-store') return multiBackendNotSupported(format);
  if (!detail) return readHttpCapture(role === 'admin' ? '10-get-stores-admin' : '11-get-stores-member');
  if (role === 'admin') return readHttpCapture('20-get-detail-admin');
  const forbidden = {
    json: '53-get-detail-member-accept-json',
    html: '21-get-detail-member',
    text: '54-get-detail-member-accept-text',
  };
  return readHttpCapture(forbidden[format]);
}

function respond(scenario: Scenario, prefix: string, request: IncomingMessage): CapturedResponse {
  const format = errorFormat(request.headers.accept);
  const path = (request.url ?? '/').split('?', 1)[0];
  const route = path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
  const role = roleOf(request.headers['x-auth-token']);
  if (request.method === 'GET' && route === '/versions') return readHttpCapture('03-get-versions-noauth');
  if (request.method === 'GET' && (route === '/v2/info/stores' || route === '/v2/info/stores/detail')) {
    return storesResponse(scenario, route.endsWith('/detail'), role, format);
  }
  if (role === 'anonymous')
    return readHttpCapture(format === 'json' ? '58-get-detail-noauth-accept-json' : '22-get-detail-noauth');
  return readHttpCapture(
    format === 'json' ? '57-get-info-unknown-admin-accept-json' : '40-get-info-unknown-admin',
  );
}

export async function startApiServer(scenario: Scenario, options: ApiServerOptions = {}): Promise<ApiServer> {
  const prefix = options.pathPrefix ?? '';
  const requests: RecordedRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    let captured: ReturnType<typeof respond>;
    try {
      captured = respond(scenario, prefix, request);
    } catch (error) {
      // A fixture that cannot answer (a capture missing, a scenario without this route) fails the
      // test at once with its reason, instead of leaving the client waiting for its timeout.
      const body = `fake API: ${error instanceof Error ? error.message : String(error)}`;
      response.writeHead(599, 'Fake API Error', { 'Content-Length': Buffer.byteLength(body) }).end(body);
      return;
    }
    response.statusCode = captured.status;
    response.statusMessage = captured.reason;
    for (const [name, value] of captured.headers) response.setHeader(name, value);
    response.setHeader('Content-Length', captured.body.length);
    response.end(captured.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
