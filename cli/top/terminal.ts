import { toJson } from '../format.js';
import { type RenderOptions, render } from './render.js';
import { type Snapshot, toView, type View } from './snapshot.js';

export interface Source {
  target: string;
  take(): Promise<Snapshot>;
}

export interface TopOptions {
  intervalMs: number;
  once: boolean;
  json: boolean;
  settleMs?: number;
}

// Alternate screen and cursor (DEC private modes 1049 and 25); home, erase to end of line/screen.
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';
const HOME = '\x1b[H';
const EOL = '\x1b[K';
const EOS = '\x1b[J';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or less when stopped; either way no timer is left to hold the process open. */
function pause(ms: number, stopped: Promise<void>) {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([elapsed, stopped]).finally(() => clearTimeout(timer));
}

/** Exit code of a frame: 1 when no source answered or a SKU is oversold now. */
export function exitCodeOf(view: View): number {
  if (!view.instances.some((i) => i.up)) return 1;
  return view.oversell.oversold_skus ? 1 : 0;
}

const useColor = (out: NodeJS.WriteStream) => Boolean(out.isTTY) && !process.env.NO_COLOR;

/** Two samples one interval apart, one frame (or one JSON snapshot) on stdout. */
async function once(source: Source, options: TopOptions): Promise<number> {
  const first = await source.take();
  await sleep(options.intervalMs);
  const second = await source.take();
  const view = toView(second, first);
  const out = process.stdout;
  out.write(
    options.json
      ? `${toJson(view, 2)}\n`
      : `${render(second, first, { color: useColor(out), intervalMs: options.intervalMs, settleMs: options.settleMs })}\n`,
  );
  return exitCodeOf(view);
}

/**
 * Ticks until `stopped` resolves: each takes a snapshot and hands it with the last good one to
 * `show`. A tick that fails (a source down) keeps the last good one, so the next rates span both.
 */
async function tick(
  source: Source,
  intervalMs: number,
  stopped: Promise<void>,
  show: (current: Snapshot, previous: Snapshot | null) => void,
) {
  let previous: Snapshot | null = null;
  let stop = false;
  void stopped.then(() => {
    stop = true;
  });
  while (!stop) {
    const started = Date.now();
    const current = await source.take();
    if (stop) break;
    show(current, previous);
    if (current.readings.length) previous = current;
    await pause(Math.max(0, intervalMs - (Date.now() - started)), stopped);
  }
}

function onSignals(stop: () => void) {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, stop);
  return () => {
    for (const s of signals) process.off(s, stop);
  };
}

/** Not a terminal (a pipe, a log) or --json: one frame, or one JSON line, a tick, until a signal. */
async function stream(source: Source, options: TopOptions): Promise<number> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const off = onSignals(stop);
  // The reader went away (`| head`): stop, as on a signal.
  const closed = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') stop();
  };
  process.stdout.on('error', closed);
  try {
    await tick(source, options.intervalMs, stopped, (current, previous) => {
      process.stdout.write(
        options.json
          ? `${toJson(toView(current, previous))}\n`
          : `${render(current, previous, { intervalMs: options.intervalMs, settleMs: options.settleMs })}\n\n`,
      );
    });
  } finally {
    off();
    process.stdout.off('error', closed);
  }
  return 0;
}

/**
 * A terminal: the alternate screen, redrawn in place each tick; q or Ctrl-C (raw mode sends it
 * as a key) quits, as do SIGINT/SIGTERM/SIGHUP. The terminal is restored however it ends.
 */
async function fullScreen(source: Source, options: TopOptions): Promise<number> {
  const out = process.stdout;
  const input = process.stdin;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    if (input.isTTY) input.setRawMode(false);
    out.write(LEAVE);
  };
  const onKey = (key: Buffer) => {
    const k = key.toString();
    if (k === 'q' || k === 'Q' || k.includes('\x03') || k.includes('\x04')) stop();
  };
  let last: [Snapshot, Snapshot | null] | null = null;
  const draw = () => {
    if (!last) return;
    const renderOptions: RenderOptions = {
      color: useColor(out),
      width: out.columns || 100,
      intervalMs: options.intervalMs,
      settleMs: options.settleMs,
      footer: 'q quits',
    };
    const lines = render(last[0], last[1], renderOptions).split('\n');
    const rows = out.rows || lines.length;
    out.write(`${HOME}${lines.slice(0, rows).join(`${EOL}\n`)}${EOL}${EOS}`);
  };

  const off = onSignals(stop);
  process.once('exit', restore);
  out.on('resize', draw);
  out.write(ENTER);
  if (input.isTTY) {
    input.setRawMode(true);
    input.resume();
    input.on('data', onKey);
  }
  try {
    await tick(source, options.intervalMs, stopped, (current, previous) => {
      last = [current, previous];
      draw();
    });
  } finally {
    input.off('data', onKey);
    input.pause();
    out.off('resize', draw);
    off();
    restore();
    process.off('exit', restore);
  }
  return 0;
}

export function runTop(source: Source, options: TopOptions): Promise<number> {
  if (options.once) return once(source, options);
  if (options.json || !process.stdout.isTTY) return stream(source, options);
  return fullScreen(source, options);
}
