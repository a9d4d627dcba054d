/**
 * `npm run bench [-- --quick] [--only node-cpu,chromium-webgl] [--ops a,b] [--sizes small]
 * [--out DIR] [--no-torch] [--report-only]`: runs the suite on cpu and wasm in Node,
 * PyTorch when present, then webgl, wasm and webgpu in headless Chromium; writes
 * `results/<env>-<backend>.json`, the BENCHMARKS.md table and one SVG chart per op. A full
 * run writes bench/results and docs/; `--quick` (CI) writes under
 * bench-quick/ in the checkout's cache folder (scripts/run-ts.mjs) and asserts no timing. A partial run (--only,
 * --ops, --sizes) merges into the existing results; --report-only just regenerates the
 * table and charts from them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CASES } from './cases';
import { describeSampling, parseArguments, profileFor, SEED, TARGETS, targetId, type Target } from './config';
import { CHROMIUM_PATH, RUN_CACHE, runChromium } from './chromiumRunner';
import { gitCommit, machineInfo, packageVersion } from './machine';
import { runNodeBackend } from './nodeRunner';
import { withRatios } from './ratios';
import { GENERATED, writeReport, type ReportPaths } from './report';
import { unbenchmarkedExports } from './suite';
import { describeBlas, runTorch, torchAvailable, type TorchRun } from './torchRunner';
import type { BackendResults, SuiteOutput } from './types';

const started = performance.now();
const cli = parseArguments(process.argv.slice(2));
const log = (line: string) => console.log(line);
const elapsed = () => `${((performance.now() - started) / 60_000).toFixed(1)} min`;

function outputPaths(): ReportPaths {
  if (cli.out === undefined && cli.profile.name === 'full') {
    return { results: 'bench/results', markdown: 'docs/BENCHMARKS.md', charts: 'docs/benchmarks' };
  }
  const root = cli.out ?? path.join(RUN_CACHE, 'bench-quick');
  return { results: path.join(root, 'results'), markdown: path.join(root, 'BENCHMARKS.md'), charts: path.join(root, 'benchmarks') };
}

/**
 * A partial run replaces its own cases and floors in the earlier results of the same
 * profile. The file keeps the earlier run's date, commit and wall time, which its other
 * cases come from, and the replaced cases carry their own run's (`measured`), so the
 * report can say which rows are newer.
 */
function merged(file: string, fresh: BackendResults, partial: boolean): BackendResults {
  if (!partial || !existsSync(file)) return fresh;
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as BackendResults;
  if (earlier.profile !== fresh.profile) return fresh;
  const key = (c: { op: string; size: string }) => `${c.op}@${c.size}`;
  const replaced = new Set(fresh.cases.map(key));
  const floors = new Set(fresh.floors.map((f) => f.elements));
  const stamp = { date: fresh.date, commit: fresh.versions.commit };
  return {
    ...earlier,
    cases: [...earlier.cases.filter((c) => !replaced.has(key(c))), ...fresh.cases.map((c) => ({ ...c, measured: stamp }))],
    floors: [...earlier.floors.filter((f) => !floors.has(f.elements)), ...fresh.floors],
  };
}

function omittedNote(target: Target): string | null {
  const omitted = cli.profile.omitted[targetId(target)];
  if (omitted === undefined) return null;
  const command = `npm run bench -- --only ${targetId(target)} --sizes ${omitted.sizes.join(',')}`;
  return `${omitted.sizes.join(', ')} not measured in the full run: ${omitted.reason} (\`${command}\` adds it)`;
}

async function main(): Promise<void> {
  if (cli.reportOnly) {
    await writeReport(outputPaths(), log);
    return;
  }
  const missing = unbenchmarkedExports();
  if (missing.length > 0) throw new Error(`bench: public exports without a case in bench/cases.ts: ${missing.join(', ')}`);
  const selected = TARGETS.filter((t) => cli.targets.length === 0 || cli.targets.includes(targetId(t)));
  const cases = CASES.filter((c) => cli.ops.length === 0 || cli.ops.includes(c.op));
  log(`featstats bench (${cli.profile.name}): ${cases.length} ops × ${cli.profile.sizes.join(', ')} on ${selected.map(targetId).join(', ')}`);
  log(`sampling: ${describeSampling(cli.profile.sampling)}`);
  for (const target of selected) {
    const note = omittedNote(target);
    if (note !== null) log(`${targetId(target)}: ${note}`);
  }

  const outputs = new Map<string, { target: Target; output: SuiteOutput; chromium: string | null; renderer: string | null }>();
  for (const target of selected.filter((t) => t.env === 'node')) {
    log(`--- node-${target.backend} (${elapsed()})`);
    const output = await runNodeBackend(target.backend, { profile: profileFor(cli.profile, target), ops: cli.ops, log: (line) => log(`node-${target.backend} ${line}`) });
    outputs.set(targetId(target), { target, output, chromium: null, renderer: null });
  }

  let torch: TorchRun | null = null;
  if (!cli.torch) log('PyTorch: skipped (--no-torch)');
  else if (!torchAvailable()) log("PyTorch: skipped, `/usr/bin/python3 -c 'import torch'` fails (apt-get install python3-torch for these columns)");
  else {
    log(`--- PyTorch (${elapsed()})`);
    torch = await runTorch(cases, cli.profile, SEED, log);
    for (const error of torch.errors) log(`PyTorch error: ${error}`);
  }

  const inBrowser = selected.filter((t) => t.env === 'chromium');
  let chromium: string | null = null;
  if (inBrowser.length > 0 && !existsSync(CHROMIUM_PATH)) log(`Chromium: skipped, ${CHROMIUM_PATH} is missing (apt-get install chromium)`);
  else if (inBrowser.length > 0) {
    log(`--- chromium ${inBrowser.map((t) => t.backend).join(', ')} (${elapsed()})`);
    const run = await runChromium(inBrowser.map((t) => t.backend), (backend) => profileFor(cli.profile, { env: 'chromium', backend }), cli.ops, log);
    chromium = run.chromium;
    for (const target of inBrowser) {
      const result = run.results.get(target.backend);
      if (result) outputs.set(targetId(target), { target, output: result, chromium, renderer: result.renderer });
    }
  }

  const paths = outputPaths();
  mkdirSync(paths.results, { recursive: true });
  const partial = cli.ops.length > 0 || cli.profile.sizes.length < 3;
  const common = { machine: machineInfo(), featstats: packageVersion('featstats'), tfjs: packageVersion('@tensorflow/tfjs-core'), commit: gitCommit() };
  for (const [id, { target, output, renderer }] of outputs) {
    const file = path.join(paths.results, `${id}.json`);
    const results: BackendResults = {
      generated: GENERATED,
      env: target.env,
      backend: target.backend,
      profile: cli.profile.name,
      date: new Date().toISOString(),
      machine: common.machine,
      versions: {
        featstats: common.featstats,
        tfjs: common.tfjs,
        node: process.version,
        chromium: target.env === 'chromium' ? chromium : null,
        webglRenderer: target.backend === 'webgl' ? renderer : null,
        webgpuAdapter: target.backend === 'webgpu' ? renderer : null,
        torch: torch?.torch ?? null,
        torchBlas: torch ? describeBlas(torch.blas) : null,
        commit: common.commit,
      },
      sampling: describeSampling(cli.profile.sampling),
      omitted: omittedNote(target),
      floors: output.floors,
      cases: withRatios(output.cases, output.floors, torch),
      wallSeconds: output.wallSeconds,
    };
    writeFileSync(file, `${JSON.stringify(merged(file, results, partial), null, 1)}\n`);
    log(`wrote ${file}`);
  }
  await writeReport(paths, log);
  // featstats failing is an error; a composite failing is a tfjs limitation the report shows.
  const errors = [...outputs.values()].flatMap(({ target, output }) =>
    output.cases.flatMap((c) => {
      const message = c.error ?? c.featstats?.backwardError ?? null;
      return message === null ? [] : [`${targetId(target)} ${c.size} ${c.op}: ${message}`];
    }),
  );
  for (const error of errors) log(`ERROR ${error}`);
  log(`bench done in ${elapsed()}`);
  if (errors.length > 0) process.exitCode = 1;
}

await main();
