import { pythonJsonDumps } from '../src/http/python-json';
import { rawRequest } from './support/raw-http';
import { loadReferenceCaptures, type ReferenceCapture } from './support/reference-captures';
import { fixture, type RunningApi, startApi } from './support/test-api';

/**
 * Replays every request captured from real Glance 25 (../shared/reference/captures/main) against
 * glance-ts and compares status, the headers Glance sent and the body byte for byte.
 *
 * Where Glance HEAD differs from 25 we follow HEAD, and the expected response is derived from the
 * capture by exactly that difference: detail entries gain `weight` (and rbd properties `fsid`,
 * null while no cluster is connected).
 */
const captures = loadReferenceCaptures();

/** Glance HEAD's detail body, derived from a Glance 25 capture. */
function headDetailBody(glance25Body: string): string {
  const parsed = JSON.parse(glance25Body) as {
    stores: { type: string; properties: Record<string, unknown> }[];
  };
  for (const store of parsed.stores) {
    if (store.type === 'rbd') store.properties.fsid = null;
    (store as Record<string, unknown>).weight = 0;
  }
  return pythonJsonDumps(parsed);
}

function expectedBody(capture: ReferenceCapture): string {
  const { body } = capture.response;
  return capture.response.status === 200 && body.includes('"properties"') ? headDetailBody(body) : body;
}

describe('replaying the reference captures of Glance 25', () => {
  let sixStores: RunningApi;
  let noRbd: RunningApi;

  beforeAll(async () => {
    [sixStores, noRbd] = await Promise.all([
      startApi(fixture('reference-six-stores.conf')),
      startApi(fixture('reference-no-rbd.conf')),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sixStores?.close(), noRbd?.close()]);
  });

  it('covers every capture in the index', () => {
    expect(captures.length).toBeGreaterThanOrEqual(60);
  });

  it.each(captures.map((capture) => [capture.name, capture] as const))('%s', async (_name, capture) => {
    const api = capture.name.includes('norbd') ? noRbd : sixStores;
    const response = await rawRequest(api.port, capture.request);
    const expected = capture.response;
    const body = expectedBody(capture);

    expect(`${response.status} ${response.reason}`).toBe(`${expected.status} ${expected.reason}`);
    expect(response.body).toBe(body);
    for (const name of ['content-type', 'allow']) {
      expect([name, response.header(name)]).toEqual([name, expected.header(name)]);
    }
    if (expected.header('content-length') !== undefined) {
      expect(response.header('content-length')).toBe(
        capture.request.method === 'HEAD'
          ? expected.header('content-length')
          : String(Buffer.byteLength(body)),
      );
    }
    if (expected.header('x-openstack-request-id') !== undefined) {
      expect(response.header('x-openstack-request-id')).toMatch(
        /^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
    if (expected.header('connection') === 'close') expect(response.header('connection')).toBe('close');
  });
});
