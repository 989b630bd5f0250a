// HTTP load from wrk (Debian's wrk 4, C, one thread): on this 2-core box a JavaScript load
// generator took most of a core from the server it measured, and its own event loop added to the
// latencies it reported. wrk keeps `connections` requests in flight (closed loop) and reports
// latency percentiles itself.
import { spawn } from 'node:child_process';
import { installWhenMissing } from './cli.mjs';

/** Makes sure wrk can be run (installing Debian's package when missing). */
export const requireWrk = (bench) => installWhenMissing(bench, 'wrk', 'wrk');

/** Milliseconds of a wrk duration such as `812.00us`, `1.20ms`, `1.01s`. */
export function wrkMilliseconds(text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`wrk printed an unknown duration ${text}`);
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[match[2]];
}

/**
 * What `wrk --latency` printed: requests per second, p50/p90/p99 and max latency in ms, and the
 * number of answers that were not 2xx/3xx plus socket errors.
 */
export function parseWrk(output) {
  const percentile = (p) => {
    const match = new RegExp(`^\\s+${p}%\\s+(\\S+)$`, 'm').exec(output);
    if (!match) throw new Error(`wrk printed no ${p}th percentile:\n${output}`);
    return wrkMilliseconds(match[1]);
  };
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const max = /^\s+Latency\s+\S+\s+\S+\s+(\S+)/m.exec(output);
  if (!rps || !max) throw new Error(`wrk printed no rate or latency:\n${output}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: Number(rps[1]),
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
    max: wrkMilliseconds(max[1]),
    errors: (non2xx ? Number(non2xx[1]) : 0) + socketErrors,
  };
}

/** Runs wrk against `url` for `seconds` with `connections` and `headers`; resolves to parseWrk's result. */
export function runWrk(url, { connections, seconds, headers = {} }) {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  return new Promise((resolve, reject) => {
    const wrk = spawn('wrk', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    wrk.stdout.on('data', (chunk) => (output += chunk));
    wrk.on('error', reject);
    wrk.on('close', (code) => {
      if (code !== 0) reject(new Error(`wrk exited with ${code}:\n${output}`));
      else {
        try {
          resolve(parseWrk(output));
        } catch (error) {
          reject(error);
        }
      }
    });
  });
}
