// Loaded with --require by scripts/test-node.sh: the project's imports of better-sqlite3 (a
// native addon, built for one Node ABI) go to a copy built for the running Node, named by
// APISERVER_KIT_BETTER_SQLITE3. Only requests from inside the project are redirected, so a
// package installed elsewhere (the packed-package test's project) keeps its own build.
'use strict';
const Module = require('node:module');
const { pathToFileURL } = require('node:url');
const path = require('node:path');

const dir = process.env.APISERVER_KIT_BETTER_SQLITE3;
const root = process.env.APISERVER_KIT_ROOT;
const installed = Symbol.for('apiserver-kit.node-abi-preload');
if (dir && root && !globalThis[installed]) {
  globalThis[installed] = true;
  const target = require.resolve(dir);
  const inside = (file) => typeof file === 'string' && file.startsWith(root + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}better-sqlite3${path.sep}`);
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    if (request === 'better-sqlite3' && inside(parent && parent.filename)) request = target;
    return original.call(this, request, parent, ...rest);
  };
  Module.register(pathToFileURL(path.join(__dirname, 'hooks.mjs')), { data: { target, root } });
}
