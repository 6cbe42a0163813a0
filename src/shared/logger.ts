import pino from 'pino';

export type Logger = pino.Logger;

/** The one logger: JSON lines, ISO times, secrets redacted; to stdout unless told `to` (shopctl: stderr). */
export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  to?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service: 'shop', ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      // A password logged at the top level (`log.info({ password })`) as well as one level down.
      redact: ['req.headers.authorization', 'req.headers["x-cart-token"]', 'password', '*.password'],
    },
    to,
  );
}
