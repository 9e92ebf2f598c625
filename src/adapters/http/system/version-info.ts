/** The body of `/version`, as `kubectl version` reads it. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/**
 * A complete version from what the server says about itself. The default claims the
 * Kubernetes API version whose wire behaviour the kit follows (1.33), so that kubectl does not
 * warn about version skew.
 */
export function versionInfo(partial: Partial<VersionInfo> = {}): VersionInfo {
  const major = partial.major ?? '1';
  const minor = partial.minor ?? '33';
  return {
    major,
    minor,
    gitVersion: partial.gitVersion ?? `v${major}.${minor}.0`,
    gitCommit: partial.gitCommit ?? '',
    gitTreeState: partial.gitTreeState ?? '',
    buildDate: partial.buildDate ?? '',
    goVersion: partial.goVersion ?? `node${process.versions.node}`,
    compiler: partial.compiler ?? 'apiserver-kit',
    platform: partial.platform ?? `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
