import { pino, type Logger as PinoLogger } from 'pino';

export type LogFormat = 'text' | 'json';

/** Where log lines go: anything with `write` (stdout, a file, a test's buffer). */
export interface LogOutput {
  write(text: string): unknown;
}

export interface LoggerOptions {
  format: LogFormat;
  /** klog's `-v`: lines at a level above it are dropped. Default 0. */
  verbosity?: number;
  output: LogOutput;
  /** For tests: the time of each line. Default now. */
  now?: () => Date;
}

/** Key/value pairs of a structured line; values are strings, numbers or booleans. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/**
 * The server's log, in kube-apiserver's two forms: `text` as klog's structured lines
 * (`I1203 15:09:03.123456   4242 httplog] "HTTP" verb="GET" URI="/api" resp=200`) and `json`
 * one object per line through pino (`{"level":"info","ts":1764774543.123,"v":3,"verb":"GET",...,"msg":"HTTP"}`,
 * errors with `"err"`). `info(level, ...)` lines are written when `level <= verbosity` (klog's V).
 */
export class Logger {
  readonly verbosity: number;
  private readonly format: LogFormat;
  private readonly output: LogOutput;
  private readonly now: () => Date;
  private readonly json: PinoLogger | undefined;

  constructor(options: LoggerOptions) {
    this.verbosity = options.verbosity ?? 0;
    this.format = options.format;
    this.output = options.output;
    this.now = options.now ?? (() => new Date());
    if (options.format === 'json') {
      const output = options.output;
      this.json = pino(
        {
          base: null,
          messageKey: 'msg',
          errorKey: 'err',
          timestamp: false,
          formatters: { level: (label: string) => ({ level: label }) },
          level: 'trace',
        },
        { write: (line: string) => output.write(line) },
      );
    }
  }

  /** Whether lines at `level` are written (klog's `V(level).Enabled()`). */
  enabled(level: number): boolean {
    return level <= this.verbosity;
  }

  info(level: number, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    if (this.json) this.json.info({ ts: this.now().getTime() / 1000, v: level, ...fields }, msg);
    else this.output.write(this.textLine('I', msg, fields));
  }

  /** An error: always written. `err` is the text of what went wrong (a report, a stack). */
  error(msg: string, err: string, fields: LogFields = {}): void {
    if (this.json) this.json.error({ ts: this.now().getTime() / 1000, ...fields, err }, msg);
    else this.output.write(this.textLine('E', msg, { ...fields, err }));
  }

  private textLine(severity: string, msg: string, fields: LogFields): string {
    const d = this.now();
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    const head =
      `${severity}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds() * 1000, 6)} ` +
      `${String(process.pid).padStart(7)} apiserver-kit]`;
    let line = `${head} ${JSON.stringify(msg)}`;
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (typeof value === 'string') {
        // Multi-line values (stacks) as klog writes them: after the key, indented below the line.
        line += value.includes('\n') ? ` ${key}=<\n\t${value.replaceAll('\n', '\n\t')}\n >` : ` ${key}=${JSON.stringify(value)}`;
      } else line += ` ${key}=${value}`;
    }
    return `${line}\n`;
  }
}

/** Parses `--log-format`. */
export function parseLogFormat(value: string): LogFormat {
  if (value === 'text' || value === 'json') return value;
  throw new Error(`--log-format must be text or json, got "${value}"`);
}
