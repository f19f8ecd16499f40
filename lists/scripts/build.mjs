// Turns the maintained lists from npm packages into plain text files (one entry a line, '#' comments)
// that the .NET side reads at start: dist/free-mail.txt, dist/disposable-mail.txt,
// dist/disposable-mail-wildcard.txt and dist/public-suffix.dat. Install with --ignore-scripts:
// free-email-domains' postinstall wants the internet, and the list it ships is the one we want.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });

function packageDir(name) {
  return join(root, 'node_modules', name);
}

function about(name) {
  const pkg = JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8'));
  return `# From the npm package ${pkg.name} ${pkg.version} (${pkg.license ?? 'see the package'}).`;
}

function write(file, header, entries) {
  const clean = [...new Set(entries.map((e) => String(e).trim().toLowerCase()).filter((e) => e && !e.startsWith('//')))];
  clean.sort();
  writeFileSync(join(dist, file), [header, ...clean].join('\n') + '\n');
  console.log(`lists: ${file} ${clean.length} entries`);
}

const readJson = (name, file) => JSON.parse(readFileSync(join(packageDir(name), file), 'utf8'));

write('free-mail.txt', about('free-email-domains'), readJson('free-email-domains', 'domains.json'));
write('disposable-mail.txt', about('disposable-email-domains'), readJson('disposable-email-domains', 'index.json'));
write('disposable-mail-wildcard.txt', about('disposable-email-domains'), readJson('disposable-email-domains', 'wildcard.json'));

// psl ships the Public Suffix List as a module exporting its rules (wildcards "*.x", exceptions "!y.x").
const rules = (await import(pathToFileURL(join(packageDir('psl'), 'data', 'rules.js')).href)).default;
write('public-suffix.dat', `${about('psl')} The Public Suffix List, MPL-2.0.`, rules);

// Crawler user agents: one regular expression a line (the package's patterns, case-insensitive).
const crawlers = readJson('crawler-user-agents', 'crawler-user-agents.json').map((c) => c.pattern);
writeFileSync(join(dist, 'crawler-user-agents.txt'), [about('crawler-user-agents'), ...crawlers].join('\n') + '\n');
console.log(`lists: crawler-user-agents.txt ${crawlers.length} patterns`);
