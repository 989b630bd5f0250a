import { readHttpCapture } from '../../test/support/captures';
import { errorDetails, imageApiError } from '@glance-ts/image-client';
import { exitCodeOf } from './errors';

/** The body of a reference capture (Glance 25's real error pages). */
const captureBody = (name: string): string => readHttpCapture(name).body.toString('latin1');

const FORBIDDEN = 'HTTP 403 Forbidden: You are not authorized to complete stores_info_detail action.';

describe('imageApiError', () => {
  it.each([
    ['JSON (Accept: application/json)', 'application/json', '53-get-detail-member-accept-json'],
    ['HTML (Accept: */*, what glanceclient gets)', 'text/html; charset=UTF-8', '21-get-detail-member'],
    ['text/plain (other Accept values)', 'text/plain; charset=UTF-8', '54-get-detail-member-accept-text'],
  ])("gives glanceclient's 403 line for Glance's %s body", async (_, contentType, capture) => {
    const error = imageApiError(403, contentType, captureBody(capture));
    expect(error.message).toBe(FORBIDDEN);
    expect(error.status).toBe(403);
    expect(await exitCodeOf(error)).toBe(1);
  });

  it('says "Invalid OpenStack Identity credentials." for any 401', () => {
    expect(imageApiError(401, 'text/html', captureBody('12-get-stores-noauth')).message).toBe(
      'Invalid OpenStack Identity credentials.',
    );
    expect(imageApiError(401, undefined, '').message).toBe('Invalid OpenStack Identity credentials.');
  });

  it('names the status and reason when the body says nothing, or something else', () => {
    expect(imageApiError(500, undefined, '').message).toBe('HTTP 500 Internal Server Error');
    expect(imageApiError(502, 'text/plain', 'upstream went away').message).toBe(
      'HTTP 502 Bad Gateway: upstream went away',
    );
  });

  it("reads a proxy's HTML page like glanceclient does (title, h1 deduplicated, tags dropped)", () => {
    const nginx =
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
    expect(imageApiError(502, 'text/html', nginx).message).toBe('HTTP 502 Bad Gateway: nginx');
  });

  it('reads the nested JSON error form glanceclient expects', () => {
    const body = JSON.stringify({ badRequest: { message: 'Invalid disk format', code: 400 } });
    expect(imageApiError(400, 'application/json', body).message).toBe(
      'HTTP 400 Bad Request: Invalid disk format',
    );
  });

  it('falls back to the text when a JSON error body does not parse', () => {
    expect(imageApiError(409, 'application/json', 'not json').message).toBe('HTTP 409 Conflict: not json');
  });

  it("maps 300 to glanceclient's version message", () => {
    expect(imageApiError(300, 'application/json', '{}').message).toBe(
      'HTTPMultipleChoices (HTTP 300) Requested version of OpenStack Images API is not available.',
    );
  });
});

describe('errorDetails', () => {
  it('keeps the status line from a JSON body code and strips <br /> markers', () => {
    const body =
      '{"message": "The resource could not be found.<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}';
    expect(errorDetails('application/json', body)).toBe('404 Not Found: The resource could not be found.');
  });

  it('is empty for an empty body', () => {
    expect(errorDetails('text/html', '')).toBe('');
  });
});
