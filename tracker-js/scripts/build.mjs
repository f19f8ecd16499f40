// Builds dist/vg.js (minified, one IIFE, no run-time dependencies) and checks its gzipped size.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, mkdirSync } from 'node:fs';

export const SIZE_LIMIT = 2048;

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['src/index.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2021'],
  outfile: 'dist/vg.js',
  legalComments: 'none',
  // Internal property names start with '_' and are shortened; the wire format's names are kept.
  mangleProps: /^_/,
  reserveProps: /^__/,
});
const size = gzipSync(readFileSync('dist/vg.js'), { level: 9 }).length;
console.log(`dist/vg.js: ${size} bytes gzipped (limit ${SIZE_LIMIT})`);
