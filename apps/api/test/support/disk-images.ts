import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Real disk images for format-inspection tests, made with Debian's qemu-img (qemu-utils, which
 * .ci/run installs). It runs synchronously: it does not talk to the API under test.
 */
export const QEMU_IMG = '/usr/bin/qemu-img';

export function qemuImg(...args: string[]): string {
  if (!existsSync(QEMU_IMG)) throw new Error('qemu-img is required: apt-get install -y qemu-utils');
  return execFileSync(QEMU_IMG, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A qcow2 file of `virtualSize` bytes (empty, so the file itself is small). */
export function makeQcow2(path: string, virtualSize: number, options: string[] = []): void {
  qemuImg('create', '-q', '-f', 'qcow2', ...options, path, String(virtualSize));
}

/** What qemu-img reports for a file: the reference the inspection is checked against. */
export function qemuInfo(path: string): { format: string; 'virtual-size': number } {
  return JSON.parse(qemuImg('info', '--output=json', path));
}
