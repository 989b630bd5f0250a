import { createHash, randomBytes } from 'node:crypto';
import { api, imageStatus, MEMBER_TOKEN, Service, TOKEN } from './support/service';

/**
 * A file store whose disk fills mid-upload. The service runs with a file size limit (EFBIG past it,
 * which the file store treats as ENOSPC), so that the write fails for real in the thread that
 * writes: the hash lane's worker (`local`), or the event loop (`thin`: thin provisioning, whose
 * chunks the store inspects and writes itself). Glance answers 413 "Image storage media is full";
 * the image goes back to queued, nothing stays in the data dir, and a smaller upload then works.
 */
jest.setTimeout(120_000);

const MiB = 1024 * 1024;
const LIMIT = 8 * MiB;

describe('a full disk during an upload', () => {
  let service: Service;
  beforeAll(async () => {
    service = await Service.start({
      workers: 1,
      fileSizeLimit: LIMIT,
      stores: {
        enabled: 'local:file, thin:file',
        default: 'local',
        sections:
          '[local]\nfilesystem_store_datadir = data/local\n\n' +
          '[thin]\nfilesystem_store_datadir = data/thin\nfilesystem_thin_provisioning = true\n',
      },
    });
  });
  afterAll(() => service?.stop());

  // A member's image: the answer must say what happened without the server's paths.
  const upload = (id: string, store: string, body: Buffer) =>
    api(service, 'PUT', `/v2/images/${id}/file`, {
      body,
      headers: { 'content-type': 'application/octet-stream', 'x-image-meta-store': store },
      token: MEMBER_TOKEN,
    });

  it.each([
    ['local', "the hash lane's worker"],
    ['thin', 'the event loop'],
  ])('answers 413 when the image does not fit in %s (written by %s)', async (store) => {
    const created = await api(service, 'POST', '/v2/images', {
      json: { name: `full-${store}`, disk_format: 'raw', container_format: 'bare' },
      token: MEMBER_TOKEN,
    });
    const id = created.json.id as string;

    const answer = await upload(id, store, randomBytes(3 * LIMIT));
    expect(answer.status).toBe(413);
    // Glance's text, with webob's trailing `<br /><br />` and newlines.
    expect(answer.json.message).toContain(`Image storage media is full: Store ${store} has no space left.`);
    expect(answer.text).not.toContain(service.dir);
    expect(await imageStatus(service, id)).toBe('queued');
    expect(service.storeFiles(store)).toEqual([]);

    const fits = randomBytes(LIMIT - 1);
    expect((await upload(id, store, fits)).status).toBe(204);
    const image = (await api(service, 'GET', `/v2/images/${id}`)).json;
    expect([image.status, image.size, image.os_hash_value]).toEqual([
      'active',
      fits.length,
      createHash('sha512').update(fits).digest('hex'),
    ]);
    const data = await fetch(`${service.url}/v2/images/${id}/file`, { headers: { 'x-auth-token': TOKEN } });
    expect(
      createHash('sha512')
        .update(Buffer.from(await data.arrayBuffer()))
        .digest('hex'),
    ).toBe(createHash('sha512').update(fits).digest('hex'));
    expect(service.deaths()).toEqual([]);
  });
});
