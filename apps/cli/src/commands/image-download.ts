// glance image-download <IMAGE_ID> [--file FILE] [--progress] [--allow-md5-fallback]: streams the
// data to the file (or to stdout when it is not a terminal), hashing on the fly, and fails with
// glanceclient's "Corrupt image download" once everything is written when the hash does not
// match: like glanceclient, it leaves what it wrote in place for the user to inspect.
import { ImageCommand } from '../image-command';
import type { OptionSpec } from '../lib/argparse';
import { oclifArgs, oclifFlags } from '../lib/argparse-oclif';
import { ImageApiError, type StreamingResponse } from '@glance-ts/image-client';
import { CliError } from '../lib/errors';
import type { IntegrityCheck } from '../lib/images/image-data';
import type { ImageBody } from '../lib/images/images-api';

const OPTIONS: OptionSpec[] = [
  {
    name: 'allow-md5-fallback',
    dest: 'allow_md5_fallback',
    action: 'store_true',
    help:
      'If os_hash_algo and os_hash_value properties are available on the image, they will be used to ' +
      'validate the downloaded image data. If the indicated secure hash algorithm is not available on the ' +
      'client, the download will fail. Use this flag to indicate that in such a case the legacy MD5 image ' +
      'checksum should be used to validate the downloaded data. You can also set the environment variable ' +
      'OS_IMAGE_ALLOW_MD5_FALLBACK to any value to activate this option.',
  },
  {
    name: 'file',
    action: 'store',
    metavar: '<FILE>',
    help:
      'Local file to save downloaded image data to. If this is not specified and there is no redirection ' +
      'the image data will not be saved.',
  },
  { name: 'progress', action: 'store_true', help: 'Show download progress bar.' },
];
const POSITIONALS = [{ dest: 'id', metavar: '<IMAGE_ID>', help: 'ID of image to download.' }];

export default class ImageDownload extends ImageCommand {
  static override description = 'Download a specific image.';
  static override flags = oclifFlags(OPTIONS);
  static override args = oclifArgs(POSITIONALS);

  async run(): Promise<void> {
    const { values, global } = this.parseCommandLine({ options: OPTIONS, positionals: POSITIONALS });
    const id = values.id as string;
    const file = values.file as string | undefined;
    const allowMd5Fallback =
      Boolean(values.allow_md5_fallback) || Boolean(process.env.OS_IMAGE_ALLOW_MD5_FALLBACK);
    if (process.stdout.isTTY && file === undefined) {
      throw new CliError(
        'No redirection or local file specified for downloaded image data. Please specify a local file with ' +
          '--file to save downloaded image or redirect output to another source.',
      );
    }

    const { copyData, corruptDownloadMessage, integrityCheck, openDestination, osErrorMessage } =
      await import('../lib/images/image-data');
    const { createProgress } = await import('../lib/progress');
    const api = await this.imagesApi(global);
    let image: ImageBody;
    let response: StreamingResponse;
    try {
      // The record first, as glanceclient: its hashes are what the data must match.
      image = await api.get(id);
      response = await api.download(id);
    } catch (error) {
      if (error instanceof ImageApiError && error.status !== 401)
        throw new CliError(`Unable to download image '${id}'. (${error.message})`);
      throw error;
    }
    if (response.status === 204) {
      response.body.destroy();
      throw new CliError(`Image ${id} has no data.`);
    }

    let check: IntegrityCheck | undefined;
    try {
      check = integrityCheck(image.json, response.headers['content-md5'], allowMd5Fallback);
    } catch (error) {
      response.body.destroy();
      throw error;
    }
    const length = Number(response.headers['content-length'] ?? 0);
    const progress = values.progress ? createProgress(length) : undefined;

    let destination;
    try {
      destination = openDestination(file);
      await copyData(response.body, destination.stream, {
        endDestination: destination.isFile,
        onChunk: (chunk) => {
          check?.hash.update(chunk);
          progress?.advance(chunk.length);
        },
      });
    } catch (error) {
      response.body.destroy();
      // A file system error reads as Python's OSError; anything else broke the transfer itself.
      if ((error as NodeJS.ErrnoException).syscall !== undefined)
        throw new CliError(osErrorMessage(error, destination?.isFile ? file : undefined));
      throw new CliError(`Error communicating with ${response.url}: ${(error as Error).message}`);
    } finally {
      progress?.done();
    }
    if (check) {
      const actual = check.hash.digest('hex');
      if (actual !== check.expected) throw new CliError(corruptDownloadMessage(check, actual));
    }
  }
}
