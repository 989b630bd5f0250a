// What every benchmark script needs from its command line and its machine: `--name value` options,
// sizes such as 1G / 256M, and the commands it runs checked up front with a hint to install them.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);

/** The value after `--name`, or `fallback`. */
export const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};

/** True when `--name` is given. */
export const flag = (name) => args.includes(`--${name}`);

/** Bytes of `1G`, `256M`, `1.5GiB`, `4096`. */
export const parseSize = (text) => {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)i?B?$/i.exec(text);
  if (!match) throw new Error(`bad size ${text}`);
  return Math.round(Number(match[1]) * 1024 ** ' KMG'.indexOf(match[2].toUpperCase() || ' '));
};

/** Exits with one line per missing command: `[[command, how to get it], ...]`. */
export function requireCommands(bench, commands) {
  for (const [command, hint] of commands) {
    if (spawnSync(command, ['--version']).status !== 0) {
      console.error(`${bench} bench: ${command} is required (${hint})`);
      process.exit(1);
    }
  }
}

/**
 * Installs Debian's `pkg` with apt-get when `command` cannot be run (spawning it fails), or exits
 * with one line saying so. The benchmarks run on Debian 12 as root, like CI.
 */
export function installWhenMissing(bench, command, pkg, what = pkg) {
  if (!spawnSync(command, ['--version']).error) return;
  console.error(`${bench} bench: installing Debian ${what}...`);
  const install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (install.status !== 0) {
    console.error(`${bench} bench: apt-get install ${pkg} failed (run as root on Debian 12)`);
    process.exit(1);
  }
}
