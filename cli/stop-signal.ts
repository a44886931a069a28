/**
 * Resolves on the first SIGINT or SIGTERM, then removes its handlers so a second Ctrl-C during the
 * shutdown that follows gets Node's default behaviour (exit now) instead of being swallowed.
 */
export function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
