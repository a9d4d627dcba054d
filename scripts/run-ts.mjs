// Runs a TypeScript entry point in Node: bundles it with esbuild (tfjs and featstats'
// sources included, as Node cannot import tfjs-core's gradient registrations itself; see
// ENVIRONMENT.md) into this checkout's cache folder, node_modules/.cache/featstats/<id>/,
// then runs the bundle with FEATSTATS_RUN_CACHE naming that folder (the bench builds its
// page bundle and its --quick output there). <id> is a hash of the checkout's path: git
// worktrees that share one node_modules (a symlink) would otherwise run each other's bundles.
//
//   node scripts/run-ts.mjs [--expose-gc] [--external NAME]... ENTRY.ts [ARGUMENTS...]
//
// Options before ENTRY are this script's; everything after ENTRY goes to the program
// (`npm run bench -- --quick` passes `--quick` on). Used by the `bench` and
// `example:normalizers` npm scripts.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const nodeFlags = [];
const external = [];
while (args[0]?.startsWith('--')) {
  const flag = args.shift();
  if (flag === '--expose-gc') nodeFlags.push(flag);
  else if (flag === '--external' && args[0] !== undefined) external.push(args.shift());
  else throw new Error(`run-ts: unknown option ${flag}`);
}
const entry = args.shift();
if (entry === undefined) throw new Error('usage: node scripts/run-ts.mjs [--expose-gc] [--external NAME]... ENTRY.ts [ARGUMENTS...]');

// bench/main.ts → node_modules/.cache/featstats/<id>/bench-main.mjs
const cache = path.join(root, 'node_modules/.cache/featstats', createHash('sha256').update(root).digest('hex').slice(0, 12));
const bundleName = path.relative(root, path.resolve(root, entry)).replace(/\.[cm]?[jt]s$/, '').replaceAll(path.sep, '-');
const outfile = path.join(cache, `${bundleName}.mjs`);
await build({
  entryPoints: [path.resolve(root, entry)],
  bundle: true,
  platform: 'node',
  format: 'esm',
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  external,
  outfile,
  // CommonJS dependencies bundled into ESM still call require, and bench reads __dirname.
  banner: {
    js: [
      "import { createRequire as bannerRequire } from 'module';",
      "import { fileURLToPath as bannerPath } from 'url';",
      "import { dirname as bannerDirname } from 'path';",
      'const require = bannerRequire(import.meta.url);',
      'const __dirname = bannerDirname(bannerPath(import.meta.url));',
    ].join(' '),
  },
});
const { status, signal } = spawnSync(process.execPath, [...nodeFlags, outfile, ...args], { stdio: 'inherit', env: { ...process.env, FEATSTATS_RUN_CACHE: cache } });
process.exit(status ?? (signal === null ? 1 : 128));
