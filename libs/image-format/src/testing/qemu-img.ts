import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** qemu-img, the reference the tests check the inspector against (Debian's qemu-utils). */
export const QEMU_IMG = process.env.QEMU_IMG ?? 'qemu-img';

/** Runs qemu-img in `cwd`; fails with its stderr. */
export function qemuImg(cwd: string, ...args: string[]): string {
  try {
    return execFileSync(QEMU_IMG, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(
      `${QEMU_IMG} ${args.join(' ')} failed (is qemu-utils installed?): ${stderr || String(error)}`,
    );
  }
}

/**
 * Writes the vendored qemu-made LUKS1 image (64 KiB payload) to `dir/file`. qemu cannot make one
 * reliably on a virtual machine: see fixtures/README.md.
 */
export function placeLuksImage(dir: string, file: string): void {
  writeFileSync(join(dir, file), gunzipSync(readFileSync(join(__dirname, 'fixtures', 'disk.luks.gz'))));
}

/** What `qemu-img info` says of an image: its format and virtual size. */
export function qemuInfo(cwd: string, file: string): { format: string; virtualSize: number } {
  const info = JSON.parse(qemuImg(cwd, 'info', '--output=json', file)) as {
    format: string;
    'virtual-size': number;
  };
  return { format: info.format, virtualSize: info['virtual-size'] };
}

/** A fresh temporary directory and the function that removes it. */
export function scratchDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'image-format-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
