#!/usr/bin/env node
// Packs the glance CLI as a self-contained npm package: `npm run pack:cli [-- --out DIR]`.
//
// The workspace CLI depends on workspace libraries (@glance-ts/*) that are not published, so
// `npm pack -w apps/cli` cannot make something a machine without this repository can install.
// Here esbuild bundles the CLI with every JavaScript dependency into one file; koffi (a native
// module, for image-create-from-volume's Ceph access) stays an ordinary dependency from the npm
// registry. oclif finds the commands through an explicit list in the bundle instead of scanning a
// directory. The package offers the command both as `glance` (python-glanceclient's name) and as
// `glance-ts` (for machines where /usr/bin/glance is python-glanceclient's).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(cliDir, '../..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const outDir = resolve(outIndex >= 0 ? args[outIndex + 1] : root);
// The package is staged in a temporary directory, removed afterwards.
const stage = mkdtempSync(join(tmpdir(), 'glance-ts-cli-pack-'));
const cli = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8'));
const koffiVersion = JSON.parse(readFileSync(join(root, 'libs/ceph/package.json'), 'utf8')).dependencies
  .koffi;

process.on('exit', () => rmSync(stage, { recursive: true, force: true }));
mkdirSync(join(stage, 'dist'), { recursive: true });
mkdirSync(join(stage, 'bin'), { recursive: true });

// The commands, listed from src/commands (one file per command, named as its id).
const commands = readdirSync(join(cliDir, 'src/commands'))
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
  .map((name) => name.slice(0, -3))
  .sort();
const entry = join(stage, 'entry.ts');
writeFileSync(
  entry,
  [
    `export { main } from ${JSON.stringify(join(cliDir, 'src/main'))};`,
    `export { default as Help } from ${JSON.stringify(join(cliDir, 'src/help'))};`,
    ...commands.map(
      (id, index) => `import command${index} from ${JSON.stringify(join(cliDir, 'src/commands', id))};`,
    ),
    `export const COMMANDS = { ${commands.map((id, index) => `'${id}': command${index}`).join(', ')} };`,
    '',
  ].join('\n'),
);

await build({
  entryPoints: [entry],
  outfile: join(stage, 'dist/glance.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // typescript: oclif reads a tsconfig only when run from sources (its own guarded require).
  external: ['koffi', 'typescript'],
  minifyWhitespace: true,
  // Workspace libraries from their sources, as the tests see them.
  alias: Object.fromEntries(
    readdirSync(join(root, 'libs')).map((name) => [
      `@glance-ts/${name}`,
      join(root, 'libs', name, 'src/index.ts'),
    ]),
  ),
  logLevel: 'warning',
  legalComments: 'inline',
});
rmSync(entry);

writeFileSync(
  join(stage, 'bin/glance.js'),
  "#!/usr/bin/env node\n// glance-ts's glance (python-glanceclient compatible).\nrequire('../dist/glance.js').main(process.argv.slice(2));\n",
  { mode: 0o755 },
);
cpSync(join(cliDir, 'README.md'), join(stage, 'README.md'));
writeFileSync(
  join(stage, 'package.json'),
  `${JSON.stringify(
    {
      name: 'glance-ts-cli',
      version: cli.version,
      description: cli.description,
      license: cli.license,
      bin: { glance: './bin/glance.js', 'glance-ts': './bin/glance.js' },
      main: './dist/glance.js',
      files: ['bin', 'dist', 'oclif.manifest.json'],
      engines: { node: '>=20.19 <21 || >=22.12' },
      dependencies: { koffi: koffiVersion },
      oclif: {
        bin: 'glance',
        dirname: 'glance',
        commands: { strategy: 'explicit', target: './dist/glance.js', identifier: 'COMMANDS' },
        helpClass: { target: './dist/glance.js', identifier: 'Help' },
        additionalHelpFlags: ['-h'],
      },
    },
    null,
    2,
  )}\n`,
);
// oclif's manifest (what each command takes), so `glance --help` need not load every command.
execFileSync(process.execPath, [join(root, 'node_modules/oclif/bin/run.js'), 'manifest'], {
  cwd: stage,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
});
const tarball = execFileSync('npm', ['pack', '--pack-destination', outDir, '--silent'], {
  cwd: stage,
  encoding: 'utf8',
})
  .trim()
  .split('\n')
  .pop();
process.stdout.write(`${join(outDir, tarball)}\n`);
