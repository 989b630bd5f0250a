// glance image-create-from-volume --volume-pool P --volume V [--name N] [...]: turns an RBD volume
// into an image with @glance-ts/volume-upload — a copy-on-write clone when the image service's
// store is rbd on the volume's own Ceph cluster and --enable-clone-optimization is given, else the
// bytes streamed through PUT /v2/images/{id}/file. Prints the image as image-show does, and which
// path was taken and why: on stderr without -f; with -f json/yaml as {image, path, reason,
// cow_error}; with -f table/value as the image's fields plus path, reason and cow_error.
import type { UploadVolumeResult } from '@glance-ts/volume-upload';
import { ImageCommand } from '../image-command';
import type { OptionSpec } from '../lib/argparse';
import { oclifFlags } from '../lib/argparse-oclif';
import { CliError } from '../lib/errors';
import type { ImageBody } from '../lib/images/images-api';
import type { OutputFormat } from '../lib/output/formatters';
import { OUTPUT_OPTIONS, outputFlags, tableFitWidth } from '../lib/output/output-flags';

const FLATTEN_MODES = ['never', 'background', 'sync'] as const;

const OPTIONS: OptionSpec[] = [
  {
    name: 'volume-pool',
    dest: 'volume_pool',
    action: 'store',
    metavar: '<POOL>',
    required: true,
    help: 'Ceph pool of the volume.',
  },
  {
    name: 'volume',
    action: 'store',
    metavar: '<RBD_IMAGE>',
    required: true,
    help: 'RBD image name of the volume.',
  },
  {
    name: 'volume-ceph-conf',
    dest: 'volume_ceph_conf',
    action: 'store',
    metavar: '<PATH>',
    help: "ceph.conf of the volume's cluster (default /etc/ceph/ceph.conf).",
  },
  {
    name: 'volume-user',
    dest: 'volume_user',
    action: 'store',
    metavar: '<USER>',
    help: 'Ceph user without "client." (default admin).',
  },
  {
    name: 'volume-keyring',
    dest: 'volume_keyring',
    action: 'store',
    metavar: '<PATH>',
    help: 'Keyring of that user, when ceph.conf does not name it.',
  },
  { name: 'name', action: 'store', metavar: '<NAME>', help: 'Name of the image (default: the volume name).' },
  {
    name: 'disk-format',
    dest: 'disk_format',
    action: 'store',
    metavar: '<DISK_FORMAT>',
    help: 'Disk format of the image (default raw; only raw can be a copy-on-write clone).',
  },
  {
    name: 'container-format',
    dest: 'container_format',
    action: 'store',
    metavar: '<CONTAINER_FORMAT>',
    help: 'Container format of the image (default bare).',
  },
  { name: 'visibility', action: 'store', metavar: '<VISIBILITY>', help: 'Visibility of the image.' },
  {
    name: 'property',
    action: 'append',
    metavar: '<key=value>',
    help: 'Arbitrary property to associate with image. May be used multiple times.',
  },
  {
    name: 'store',
    action: 'store',
    metavar: '<STORE>',
    help: 'Store to create the image in (default: the default store).',
  },
  {
    name: 'enable-clone-optimization',
    dest: 'enable_clone_optimization',
    action: 'store_true',
    help:
      "Clone the volume copy-on-write when the store is rbd on the volume's cluster (the image's " +
      'checksums are then computed later by the image service).',
  },
  {
    name: 'flatten',
    action: 'store',
    choices: FLATTEN_MODES,
    metavar: '{never,background,sync}',
    help:
      'Detach a cloned image from the volume: never (default; delete the image before the volume), ' +
      'sync (before the image is registered) or background (after; the command waits for it).',
  },
  {
    name: 'no-fallback',
    dest: 'no_fallback',
    action: 'store_true',
    help: 'Fail when the clone fails instead of uploading the bytes.',
  },
  { name: 'progress', action: 'store_true', help: 'Show upload progress bar.' },
];

/** `--property key=value` pairs, as glanceclient reads them (split at the first "="). */
export function parseProperties(data: readonly string[]): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const datum of data) {
    const at = datum.indexOf('=');
    if (at < 0) throw new CliError(`Invalid --property "${datum}": expected key=value`);
    properties[datum.slice(0, at)] = datum.slice(at + 1);
  }
  return properties;
}

export default class ImageCreateFromVolume extends ImageCommand {
  static override description =
    'Create an image from an RBD volume: a copy-on-write clone on the same Ceph cluster, else an upload.';
  static override flags = { ...oclifFlags(OPTIONS), ...outputFlags };

  async run(): Promise<void> {
    const { values, global, format, columns } = this.parseCommandLine({
      options: [...OPTIONS, ...OUTPUT_OPTIONS],
      positionals: [],
    });
    const properties = parseProperties((values.property as string[] | undefined) ?? []);
    const api = await this.imagesApi(global); // checks the URL and token options, or logs in
    const { uploadVolumeToImage } = await import('@glance-ts/volume-upload');
    const { createProgress } = await import('../lib/progress');

    const volumeName = values.volume as string;
    const flatten = (values.flatten as (typeof FLATTEN_MODES)[number] | undefined) ?? 'never';
    let progress: ReturnType<typeof createProgress> | undefined;
    let reported = 0;
    let result: UploadVolumeResult;
    try {
      result = await uploadVolumeToImage({
        volume: {
          cephConf: (values.volume_ceph_conf as string | undefined) ?? '/etc/ceph/ceph.conf',
          user: (values.volume_user as string | undefined) ?? null,
          keyring: (values.volume_keyring as string | undefined) ?? null,
          pool: values.volume_pool as string,
          image: volumeName,
        },
        // The commands' one client (a token as given, or a Keystone login's).
        imageService: await this.client(global),
        image: {
          name: (values.name as string | undefined) ?? volumeName,
          diskFormat: (values.disk_format as string | undefined) ?? 'raw',
          containerFormat: (values.container_format as string | undefined) ?? 'bare',
          visibility: values.visibility as string | undefined,
          properties,
        },
        store: (values.store as string | undefined) ?? (process.env.OS_IMAGE_STORE || undefined),
        enableCloneOptimization: Boolean(values.enable_clone_optimization),
        flatten,
        fallbackToGeneric: !values.no_fallback,
        onProgress: values.progress
          ? (done, total) => {
              progress ??= createProgress(total);
              progress.advance(done - reported);
              reported = done;
            }
          : undefined,
      });
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error));
    } finally {
      progress?.done();
    }

    const image = await api.get(result.imageId);
    this.writeOut(await this.render(image, result, format, columns));
    if (format === undefined) {
      this.writeErr(`Path: ${result.path} (${result.reason})\n`);
    }

    if (result.flatten) {
      const started = Date.now();
      this.writeErr(`Flattening the clone of image ${result.imageId} in the background...\n`);
      const ticker = process.stderr.isTTY
        ? setInterval(
            () => this.writeErr(`\rFlattening... ${Math.round((Date.now() - started) / 1000)} s`),
            1000,
          )
        : undefined;
      try {
        await result.flatten;
      } catch (error) {
        throw new CliError(
          `The image ${result.imageId} is active, but flattening its clone failed: ${(error as Error).message}`,
        );
      } finally {
        if (ticker) {
          clearInterval(ticker);
          this.writeErr('\n');
        }
      }
      this.writeErr(
        `Flattened in ${((Date.now() - started) / 1000).toFixed(1)} s; the volume snapshot is removed.\n`,
      );
    }
  }

  private async render(
    image: ImageBody,
    result: UploadVolumeResult,
    format: OutputFormat | undefined,
    columns: readonly string[],
  ): Promise<string> {
    const { imageShowOutput, imageText } = await import('../lib/images/image-output');
    if (format === undefined) return imageText(image, undefined, columns);
    const { DictColumn, renderShow, selectColumns } = await import('../lib/output/formatters');
    const summary = { path: result.path, reason: result.reason, cow_error: result.cowError ?? null };
    if (format === 'json' || format === 'yaml') {
      const output = {
        columns: ['image', 'path', 'reason', 'cow_error'],
        rows: [[new DictColumn({ ...image.json }), summary.path, summary.reason, summary.cow_error]],
      };
      return renderShow(format, selectColumns(output, columns), { fitWidth: tableFitWidth() });
    }
    const shown = imageShowOutput(image);
    const output = {
      columns: [...shown.columns, 'path', 'reason', 'cow_error'],
      rows: [[...shown.rows[0], summary.path, summary.reason, summary.cow_error]],
    };
    return renderShow(format, selectColumns(output, columns), { fitWidth: tableFitWidth() });
  }
}
