// The ESM half of preload.cjs: `import ... from 'better-sqlite3'` inside the project resolves
// to the copy built for the running Node.
import { pathToFileURL } from 'node:url';

let target;
let rootUrl;

export function initialize(data) {
  target = pathToFileURL(data.target).href;
  rootUrl = pathToFileURL(data.root).href + '/';
}

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (specifier === 'better-sqlite3' && parent.startsWith(rootUrl) && !parent.includes('/node_modules/')) {
    return next(target, context);
  }
  return next(specifier, context);
}
