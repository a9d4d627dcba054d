// API reference check (run by .ci/run): TypeDoc must document the public API with no
// warning (typedoc.json treats warnings as errors: an undocumented property, an exported
// type that refers to an unexported one, a broken {@link}), and the committed Markdown in
// docs/api, which the README links to, must be what TypeDoc generates from the sources.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const committed = path.join(root, 'docs', 'api');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'featstats-api-'));

function files(directory, prefix = '') {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(path.join(directory, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]);
}

let failed = false;
try {
  const typedoc = spawnSync(process.execPath, [path.join(root, 'node_modules/typedoc/bin/typedoc'), '--out', scratch], { cwd: root, encoding: 'utf8' });
  const output = `${typedoc.stdout}${typedoc.stderr}`;
  const warnings = output.split('\n').filter((line) => /\[(warning|error)\]/.test(line));
  if (typedoc.status !== 0 || warnings.length > 0) {
    console.error(`FAIL TypeDoc exited ${typedoc.status} with ${warnings.length} warning or error line(s):\n${warnings.join('\n') || output}`);
    failed = true;
  } else {
    const generated = files(scratch).sort();
    const existing = files(committed).sort();
    const missing = generated.filter((file) => !existing.includes(file));
    const extra = existing.filter((file) => !generated.includes(file));
    const changed = generated.filter((file) => existing.includes(file) && readFileSync(path.join(scratch, file), 'utf8') !== readFileSync(path.join(committed, file), 'utf8'));
    if (missing.length + extra.length + changed.length > 0) {
      console.error('FAIL docs/api is out of date with the sources: run `npm run docs:api` and commit docs/api');
      for (const [label, list] of [['missing', missing], ['no longer generated', extra], ['changed', changed]]) {
        if (list.length > 0) console.error(`  ${label}: ${list.slice(0, 10).join(', ')}${list.length > 10 ? ` and ${list.length - 10} more` : ''}`);
      }
      failed = true;
    } else {
      console.log(`API reference: 0 TypeDoc warnings, docs/api up to date (${generated.length} pages)`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
if (failed) process.exit(1);
