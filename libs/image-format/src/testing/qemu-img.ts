import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** qemu-img, the reference the tests check the inspector against (Debian's qemu-utils). */
export const QEMU_IMG = process.env.QEMU_IMG ?? 'qemu-img';

/**
 * qemu's PBKDF2 benchmark (LUKS creation) fails now and then when its first round takes less CPU
 * time than the clock's resolution; trying again is enough.
 */
const TRANSIENT = /Unable to get accurate CPU usage/;

/** Runs qemu-img in `cwd`; fails with its stderr. */
export function qemuImg(cwd: string, ...args: string[]): string {
  for (let attempt = 1; ; attempt++) {
    try {
      return execFileSync(QEMU_IMG, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      if (attempt < 5 && TRANSIENT.test(stderr)) continue;
      throw new Error(
        `${QEMU_IMG} ${args.join(' ')} failed (is qemu-utils installed?): ${stderr || String(error)}`,
      );
    }
  }
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
