// Fresh-machine check (run by .ci/run): with no Chromium where the browser project looks
// for it, the README's test command must still pass and must say how to enable the
// browser project. Runs vitest as `npm test` does, on two small files to stay quick,
// with FEATSTATS_CHROMIUM pointing at a path that does not exist and without CI's
// FEATSTATS_REQUIRE_BROWSER; then once with it, which must fail.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const absent = '/nonexistent/featstats-check/chromium';
if (existsSync(absent)) throw new Error(`${absent} exists`);
const files = ['test/api.test.ts', 'test/config/chromium.node.test.ts'];

function vitest(extraEnv) {
  const env = { ...process.env, FEATSTATS_CHROMIUM: absent, ...extraEnv };
  delete env.FEATSTATS_REQUIRE_BROWSER;
  Object.assign(env, extraEnv);
  const run = spawnSync('npx', ['vitest', 'run', ...files], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

let failures = 0;
const fail = (message, output) => {
  console.error(`FAIL ${message}\n--- output ---\n${output.slice(-3000)}`);
  failures++;
};

const fresh = vitest({});
const notice = `featstats: SKIPPED the browser test projects (every suite on webgl and on webgpu in headless Chromium): no Chromium at ${absent}.`;
if (fresh.status !== 0) fail(`vitest without Chromium exited ${fresh.status}, expected 0`, fresh.output);
if (!fresh.output.includes(notice)) fail('vitest without Chromium did not print the skip notice', fresh.output);
if (!fresh.output.includes('Enable it with: sudo apt-get install chromium')) fail('the notice does not name the install command', fresh.output);
if (/\b(browser|webgpu)\b.*\bchromium\b.*✓/.test(fresh.output) || /Failed to launch/.test(fresh.output)) fail('the browser project still started', fresh.output);
if (!/Tests\s+\S*\s*\d+ passed/.test(fresh.output.replace(/\x1b\[[0-9;]*m/g, ''))) fail('the node project did not run', fresh.output);

const required = vitest({ FEATSTATS_REQUIRE_BROWSER: '1' });
if (required.status === 0) fail('with FEATSTATS_REQUIRE_BROWSER=1 and no Chromium vitest exited 0', required.output);
if (!required.output.includes(`featstats: FEATSTATS_REQUIRE_BROWSER=1 but no Chromium at ${absent}`)) fail('the required-browser error is missing', required.output);

if (failures > 0) process.exit(1);
console.log(`no-Chromium check: ok (exit 0 with the notice; exit ${required.status} when the browser project is required)`);
