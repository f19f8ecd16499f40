// Builds the web UI into dist/: app.js (every signed-in page), login.js (the sign-in page), app.css and
// the two HTML shells. No inline script or style anywhere: the server's CSP forbids them.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: { app: 'src/main.js', login: 'src/login.js' },
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2020'],
  outdir: 'dist',
  legalComments: 'none',
  sourcemap: false,
  logLevel: 'warning',
});
await build({ entryPoints: ['src/app.css'], bundle: true, minify: true, outfile: 'dist/app.css', logLevel: 'warning' });
for (const file of ['index.html', 'login.html']) copyFileSync(`static/${file}`, `dist/${file}`);
console.log('web/dist: app.js, login.js, app.css, index.html, login.html');
