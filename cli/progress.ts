import cliProgress from 'cli-progress';

/** A progress bar on stderr, so stdout stays clean for --json and pipes. */
export function progressBar(unit: string) {
  return new cliProgress.SingleBar(
    {
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
}
