// Builds dist/vg.js (the core) and dist/vg.auto.js (autocapture): minified IIFEs without run-time
// dependencies. Prints their gzipped sizes; the tests hold them to their limits.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, mkdirSync } from 'node:fs';

export const LIMITS = { 'vg.js': 2048, 'vg.auto.js': 1024 };

mkdirSync('dist', { recursive: true });
for (const [entry, out] of [['src/index.js', 'vg.js'], ['src/autocapture.js', 'vg.auto.js']]) {
  await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2021'],
    outfile: `dist/${out}`,
    legalComments: 'none',
    // Internal property names start with '_' and are shortened; the wire format's names are kept.
    mangleProps: /^_/,
    reserveProps: /^__/,
  });
  const size = gzipSync(readFileSync(`dist/${out}`), { level: 9 }).length;
  console.log(`dist/${out}: ${size} bytes gzipped (limit ${LIMITS[out]})`);
}
