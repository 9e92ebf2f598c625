/**
 * The layering rules of docs/architecture, checked on the sources: the domain is pure, ports
 * know only the domain, adapters never reach into the composition root or each other.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports: relative ones resolved to a path under src, others as named. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
  specs.push(...[...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]));
  return specs.map((s) => (s.startsWith('.') ? relative(SRC, resolve(dirname(file), s)) : s));
}

function layerOf(path: string): string {
  return path.split('/')[0];
}

describe('architecture', () => {
  const files = sources(SRC);

  it('keeps src/domain pure: only the domain, the ports and zod', () => {
    const offences: string[] = [];
    for (const file of files.filter((f) => relative(SRC, f).startsWith('domain/'))) {
      for (const imp of imports(file)) {
        const ok = imp === 'zod' || imp.startsWith('domain/') || imp.startsWith('ports/');
        if (!ok) offences.push(`${relative(SRC, file)} imports ${imp}`);
      }
      const text = readFileSync(file, 'utf8');
      for (const banned of ['Date.now(', 'setTimeout(', 'setInterval(', 'new Date()', 'process.']) {
        if (text.includes(banned)) offences.push(`${relative(SRC, file)} uses ${banned}`);
      }
    }
    expect(offences).to.deep.equal([]);
  });

  it('lets ports depend on the domain only', () => {
    const offences = files
      .filter((f) => relative(SRC, f).startsWith('ports/'))
      .flatMap((f) => imports(f).filter((i) => !i.startsWith('domain/') && !i.startsWith('ports/')).map((i) => `${relative(SRC, f)} imports ${i}`));
    expect(offences).to.deep.equal([]);
  });

  it('keeps adapters out of src/app and out of each other', () => {
    const offences: string[] = [];
    for (const file of files.filter((f) => relative(SRC, f).startsWith('adapters/'))) {
      const own = relative(SRC, file).split('/');
      // adapters/storage/<name>/... or adapters/<name>/...
      const adapter = own[1] === 'storage' ? own.slice(0, 3).join('/') : own.slice(0, 2).join('/');
      for (const imp of imports(file)) {
        if (!imp.includes('/') || !['domain', 'ports', 'adapters', 'app'].includes(layerOf(imp))) continue;
        if (layerOf(imp) === 'app') offences.push(`${relative(SRC, file)} imports ${imp}`);
        const shared = imp.startsWith('adapters/storage/shared/') && adapter.startsWith('adapters/storage/');
        if (layerOf(imp) === 'adapters' && !imp.startsWith(`${adapter}/`) && !shared) {
          offences.push(`${relative(SRC, file)} imports ${imp}`);
        }
      }
    }
    expect(offences).to.deep.equal([]);
  });

  it('builds the Inversify container in src/app only', () => {
    const offences = files
      .filter((f) => !relative(SRC, f).startsWith('app/'))
      .filter((f) => /new Container\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(offences).to.deep.equal([]);
  });
});
