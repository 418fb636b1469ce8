/**
 * A scratch project that installs the packed tarball the way a user would
 * (`npm ci` from a lock file), from npm's cache where `npm ci` has run in
 * this checkout (no registry request then), from the registry otherwise.
 *
 * `npm install --offline <tarball>` cannot do that: resolving version ranges
 * needs the registry's package documents, which `npm ci` never fetches (it
 * downloads the locked tarballs by integrity). So the scratch project gets a
 * lock file of its own, cut from the repository's: the package itself
 * (`file:` the tarball, with its integrity) and every locked package its
 * runtime dependencies and the named extra ones reach, at the same paths
 * and versions. `npm ci --prefer-offline` then finds every tarball in the
 * cache, or fetches what a cleaned cache lacks.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  inBundle?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

interface Lock {
  name: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/**
 * The registry's tarball address of a locked package. The repository's lock
 * names none; without one npm
 * asks the registry for the package's document first, which the cache may
 * not answer offline. With one, the tarball comes from the cache by its
 * integrity.
 */
function tarballUrl(registry: string, path: string, entry: LockEntry): string {
  const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const base = name.slice(name.lastIndexOf('/') + 1);
  return `${registry.replace(/\/?$/, '/')}${name}/-/${base}-${entry.version}.tgz`;
}

/** Where Node would find `name` from the package installed at `from` (a lock path such as `node_modules/a`). */
function resolveFrom(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at === -1 ? '' : base.slice(0, at);
  }
}

export interface ScratchProjectInput {
  /** The repository's package-lock.json. */
  repositoryLock: string;
  /** The packed tarball's file name, inside `dir`. */
  tarball: string;
  /** The tarball's integrity (`npm pack --json`). */
  integrity: string;
  /** The repository's package.json. */
  manifest: {
    name: string;
    version: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    bin?: Record<string, string>;
    engines?: Record<string, string>;
    license?: string;
  };
  /** Packages the scratch project depends on beside the tarball, at the repository's locked versions. */
  extra: string[];
  /** npm's registry (`npm config get registry`), for the tarball addresses. */
  registry: string;
  dir: string;
}

/** Writes the scratch project's package.json and package-lock.json into `dir`. */
export async function writeScratchProject(input: ScratchProjectInput): Promise<void> {
  const repository = JSON.parse(await readFile(input.repositoryLock, 'utf8')) as Lock;
  const from = repository.packages;
  const dependencies: Record<string, string> = { [input.manifest.name]: `file:${input.tarball}` };
  for (const name of input.extra) {
    const version = from[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`${name} is not in the repository's lock file`);
    dependencies[name] = version;
  }

  const { manifest } = input;
  const packages: Record<string, LockEntry> = {
    '': { name: 'scratch', dependencies },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: `file:${input.tarball}`,
      integrity: input.integrity,
      license: manifest.license,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
      engines: manifest.engines,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
    },
  };

  // Walk the repository's tree from the package's runtime dependencies and the extra ones.
  const queue: string[] = [];
  const want = (owner: string, names: Iterable<string>, optional: boolean) => {
    for (const name of names) {
      const path = resolveFrom(from, owner, name);
      if (!path) {
        if (optional) continue;
        throw new Error(`${name} (needed by ${owner || 'the scratch project'}) is not in the lock file`);
      }
      if (!packages[path]) queue.push(path);
    }
  };
  want('', Object.keys(manifest.dependencies ?? {}), false);
  want('', input.extra, false);
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (packages[path]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = from[path]!;
    packages[path] = { ...entry, resolved: entry.resolved ?? tarballUrl(input.registry, path, entry) };
    want(path, Object.keys(entry.dependencies ?? {}), false);
    want(path, Object.keys(entry.optionalDependencies ?? {}), true);
    const peers = entry.peerDependencies ?? {};
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([name]) => name),
    );
    want(
      path,
      Object.keys(peers).filter((name) => !optionalPeers.has(name)),
      false,
    );
    // Bundled dependencies ship inside the owner's tarball; the lock lists them all the same.
    for (const [nested, nestedEntry] of Object.entries(from)) {
      if (nestedEntry.inBundle && nested.startsWith(`${path}/node_modules/`) && !packages[nested]) {
        const { dev: _d, devOptional: _o, peer: _p, ...bundled } = nestedEntry;
        packages[nested] = bundled;
      }
    }
  }

  await writeFile(
    join(input.dir, 'package.json'),
    `${JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  await writeFile(
    join(input.dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'scratch', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}
