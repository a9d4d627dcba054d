// Compiles the WebAssembly modules in src/_internal/kernels/host/compiled (radixSort.c,
// planeSweeps.c, runSweeps.c, matrixProduct.c, smoothing.c,
// bottleneck.c, corruption.c), the one place generated code lives, and writes each
// module, base64-encoded, into a TypeScript file next to its source (radixSortBinary.ts,
// planeSweepsBinary.ts, matrixProductBinary.ts), with the SHA-256 of the source it came from (a test checks the
// hash, so an edited .c without a rebuild fails).
//
// Needs Debian's clang and lld (`apt-get install clang lld`); CI and users never run it,
// they use the committed binaries. Usage: npm run build:wasm
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = 'src/_internal/kernels/host/compiled';
// No bulk memory: -fno-builtin keeps clang from calling a memset we do not have.
const common = ['--target=wasm32', '-O3', '-nostdlib', '-fno-builtin', '-ffp-contract=off', '-Wall', '-Werror', '-Wl,--no-entry', '-Wl,--strip-all'];
// The modules that work in tfjs-backend-wasm's memory (imported) with SIMD written out by
// hand, so clang's own vectorising and unrolling (of the scalar tails) would only grow
// them. No stack reserved: the linker's default 64 KiB (unused) would make a module ask
// for two pages of whatever memory it is given, and the cpu kernels' staging memories
// start at one.
const SIMD_IN_IMPORTED_MEMORY = ['-msimd128', '-fno-vectorize', '-fno-slp-vectorize', '-fno-unroll-loops', '-Wl,--import-memory', '-Wl,-z,stack-size=0'];
const modules = [
  // The sort owns its memory. No SIMD: the MVP feature set runs everywhere tfjs does,
  // and SIMD did not make the sort faster.
  { name: 'radixSort', constant: 'RADIX_SORT', flags: [], ownsNothing: false },
  // The statistics sweeps work in tfjs-backend-wasm's memory (imported), so they must
  // keep nothing there: checked below. The SIMD is written out, so clang's own
  // vectorising and unrolling (of the scalar tails) would only grow the module past 4 KiB.
  {
    name: 'planeSweeps',
    constant: 'PLANE_SWEEPS',
    flags: ['-msimd128', '-fno-vectorize', '-fno-slp-vectorize', '-fno-unroll-loops', '-Wl,--import-memory'],
    ownsNothing: true,
  },
  // The statistics kernels' run loops (runs over 16), the same way: a module of its own,
  // as both together would be over 4 KiB.
  {
    name: 'runSweeps',
    constant: 'RUN_SWEEPS',
    flags: SIMD_IN_IMPORTED_MEMORY,
    ownsNothing: true,
  },
  // The matrix products work in tfjs-backend-wasm's memory too, their tiles written out by hand.
  {
    name: 'matrixProduct',
    constant: 'MATRIX_PRODUCT',
    flags: SIMD_IN_IMPORTED_MEMORY,
    ownsNothing: true,
  },
  // The smoothing sums and the bottleneck's element-wise passes, in tfjs-backend-wasm's
  // memory as well, built the same way.
  {
    name: 'smoothing',
    constant: 'SMOOTHING',
    flags: SIMD_IN_IMPORTED_MEMORY,
    ownsNothing: true,
  },
  {
    name: 'bottleneck',
    constant: 'BOTTLENECK',
    flags: SIMD_IN_IMPORTED_MEMORY,
    ownsNothing: true,
  },
  // randomMask's mask pass and its draw (the PRNG state lives in the memory it is given).
  {
    name: 'corruption',
    constant: 'CORRUPTION',
    flags: SIMD_IN_IMPORTED_MEMORY,
    ownsNothing: true,
  },
];

/** The ids of a module's sections (https://webassembly.github.io/spec/core/binary/modules.html). */
function sectionIds(binary) {
  const ids = [];
  for (let at = 8; at < binary.length; ) {
    ids.push(binary[at]);
    let size = 0;
    let shift = 0;
    let byte;
    at++;
    do {
      byte = binary[at++];
      size |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    at += size;
  }
  return ids;
}

const work = mkdtempSync(join(tmpdir(), 'featstats-wasm-'));
try {
  const clang = execFileSync('clang', ['--version']).toString().split('\n')[0];
  for (const { name, constant, flags, ownsNothing } of modules) {
    const source = join(dir, `${name}.c`);
    const target = join(dir, `${name}Binary.ts`);
    const out = join(work, `${name}.wasm`);
    execFileSync('clang', [...common, ...flags, '-o', out, source], { stdio: 'inherit' });
    const binary = readFileSync(out);
    // Chromium refuses synchronous compilation of modules over 4 KiB on the main thread.
    if (binary.length > 4096) throw new Error(`${name}.wasm is ${binary.length} bytes, over the 4096 of a synchronous compile`);
    // A start (8), data (11) or data count (12) section would write into a memory that is
    // not the module's, and so would any use of the stack pointer (the linker's one
    // global, which is harmless while no function reads it): checked in the assembly.
    if (ownsNothing) {
      const state = sectionIds(binary).filter((id) => [8, 11, 12].includes(id));
      if (state.length > 0) throw new Error(`${name}.wasm has sections ${state.join(', ')}: it would write into the imported memory`);
      const assembly = join(work, `${name}.s`);
      execFileSync('clang', [...common.filter((f) => !f.startsWith('-Wl,')), ...flags.filter((f) => !f.startsWith('-Wl,')), '-S', '-o', assembly, source]);
      if (readFileSync(assembly, 'utf8').includes('__stack_pointer')) throw new Error(`${name}.c uses the stack, which would live in the imported memory`);
    }
    const hash = createHash('sha256').update(readFileSync(source)).digest('hex');
    const base64 = binary.toString('base64');
    const lines = base64.match(/.{1,96}/g).map((line) => `  '${line}'`).join(' +\n');
    writeFileSync(
      target,
      `// Generated by scripts/build-wasm.mjs from ${name}.c (${clang}); do not edit.\n\n` +
        `/** SHA-256 of the ${name}.c this module was compiled from. */\n` +
        `export const ${constant}_SOURCE_SHA256 = '${hash}';\n\n` +
        `/** The module (${binary.length} bytes), base64. */\n` +
        `export const ${constant}_WASM =\n${lines};\n`,
    );
    console.log(`${target}: ${binary.length} bytes from ${source} (sha256 ${hash.slice(0, 12)}…)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
