#!/usr/bin/env bash
# npm run pack:check — proves the package as a user receives it, not the source
# tree: `npm pack` (which builds through the prepare script), then, in a scratch
# project outside the repository, `npm install` of the tarball and three uses
# of it: an ESM import, a CommonJS require(), and `tsc --noEmit` of a strict
# consumer against the shipped types (skipLibCheck off, so the .d.ts files are
# checked too). Needs the npm registry for memcas's own dependencies.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/memcas-pack-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
step() { printf -- '--- %s\n' "$*"; }
installed() { node -p "require('$repo/node_modules/$1/package.json').version"; }

step "npm pack"
(cd "$repo" && npm pack --json --pack-destination "$work" >"$work/pack.json")
tarball="$work/$(node -p "require('$work/pack.json')[0].filename")"
echo "$tarball ($(du -k "$tarball" | cut -f1) KiB)"

step "what the tarball holds"
mkdir "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
node - "$work/unpacked/package" <<'EOF'
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join, dirname, resolve, relative } = require('node:path');
const root = process.argv[2];
const files = readdirSync(root, { recursive: true }).map(String);
const problems = [];
for (const must of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'src/index.ts']) {
  if (!files.includes(must)) problems.push(`missing ${must}`);
}
for (const f of files) {
  if (/^(test|examples|bench|scripts|node_modules|docs\/api|\.ci)(\/|$)/.test(f)) problems.push(`ships ${f}`);
}
// Every source map must point at sources that ship with it, or debuggers and
// go-to-definition lead nowhere.
const maps = files.filter((f) => f.endsWith('.map'));
for (const map of maps) {
  const { sources } = JSON.parse(readFileSync(join(root, map), 'utf8'));
  for (const s of sources) {
    const target = resolve(root, dirname(map), s);
    if (!existsSync(target)) problems.push(`${map} points at ${relative(root, target)}, not in the package`);
  }
}
console.log(`${files.length} entries, ${maps.length} source maps, all pointing into the package`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
EOF

step "install the tarball in a scratch project ($work/consumer)"
mkdir "$work/consumer"
cd "$work/consumer"
cat >package.json <<'EOF'
{ "name": "memcas-consumer", "private": true, "type": "module" }
EOF
# The same TypeScript and Node types as the repository, so a failure is about
# the package and not a newer compiler.
npm install --no-audit --no-fund --loglevel=error "$tarball" \
  "typescript@$(installed typescript)" "@types/node@$(installed @types/node)"

cat >esm.mjs <<'EOF'
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { abort, CasToken, createClient, InvalidKeyError, isInvalidKeyError, VERSION } from 'memcas';

const pkg = JSON.parse(readFileSync('node_modules/memcas/package.json', 'utf8'));
assert.equal(VERSION, pkg.version);
const store = createClient(); // no servers: the embedded store
await store.set('user:1', { visits: 0 });
const r = await store.update('user:1', (u) => ({ visits: u.visits + 1 }));
assert.equal(r.outcome, 'updated');
assert.deepEqual(r.value, { visits: 1 });
const hit = await store.gets('user:1');
assert.ok(hit.cas instanceof CasToken);
assert.equal(await store.cas('user:1', { visits: 5 }, hit.cas), 'stored');
assert.equal((await store.update('user:1', () => abort('no'))).outcome, 'aborted');
await assert.rejects(store.get('bad key'), (e) => e instanceof InvalidKeyError && isInvalidKeyError(e));
await store.close();
console.log(`ESM import of memcas ${VERSION}: ok`);
EOF

cat >cjs.cjs <<'EOF'
// require() of an ES module: Node >= 20.19 (the package's engines) loads it.
const assert = require('node:assert/strict');
const memcas = require('memcas');
const store = memcas.createClient();
store
  .set('k', 41)
  .then(() => store.update('k', (n) => n + 1))
  .then((r) => {
    assert.equal(r.value, 42);
    assert.equal(memcas.isTimeoutError(new memcas.TimeoutError('127.0.0.1:11211', 'no answer')), true);
    return store.close();
  })
  .then(() => console.log('CommonJS require of memcas: ok'));
EOF

cat >consumer.ts <<'EOF'
import {
  abort,
  createClient,
  fullJitter,
  isCasConflictError,
  remove,
  type CasResult,
  type UpdateResult,
} from 'memcas';

interface Profile {
  name: string;
  visits: number;
}
const store = createClient({ servers: ['127.0.0.1:11211'], keyPrefix: 'app:', retry: { policy: fullJitter() } });
const r: UpdateResult<Profile, string> = await store.update<Profile, string>('user:1', (p) =>
  p ? { ...p, visits: p.visits + 1 } : abort('missing'),
);
if (r.outcome === 'aborted') {
  const why: string = r.result;
  void why;
} else if (r.outcome !== 'removed') {
  const visits: number = r.value.visits;
  void visits;
}
await store.update('user:2', () => remove);
const hit = await store.gets<Profile>('user:1');
if (hit) {
  const result: CasResult = await store.cas('user:1', { ...hit.value, name: 'Al' }, hit.cas);
  // @ts-expect-error a CAS result is a string union, not a boolean: proves the types are not `any`
  const wrong: boolean = result;
  void wrong;
}
try {
  await store.get('k');
} catch (err) {
  if (isCasConflictError(err)) console.log(err.code);
}
await store.close();
EOF

cat >consumer.cts <<'EOF'
// A CommonJS TypeScript consumer (TypeScript >= 5.8 types require() of ESM under nodenext).
import memcas = require('memcas');

const store = memcas.createClient();
void store.set('k', 1).then(() => store.close());
// @ts-expect-error no such export
void memcas.notAnExport;
EOF

cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022"],
    "types": ["node"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "skipLibCheck": false,
    "noEmit": true
  },
  "files": ["consumer.ts", "consumer.cts"]
}
EOF

step "ESM import"
node esm.mjs
step "CommonJS require"
node cjs.cjs
step "tsc --noEmit (strict, skipLibCheck off) against the shipped types"
npx --no-install tsc -p tsconfig.json
echo "typed consumer (ESM and CommonJS): ok"
