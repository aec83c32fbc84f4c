/**
 * The live progress bar of `ferry run` on a terminal, drawn by cli-progress (no hand-written
 * cursor control): tags done of planned, bytes, rate and ETA, with the run's log lines printed
 * above it. Off a terminal the CLI prints plain progress lines instead (see runLog).
 */
import { MultiBar, type SingleBar } from 'cli-progress';
import { formatRunProgress, type RunProgress } from '../index.js';

export interface ProgressBar {
  /** Prints one line of the log above the bar (or plainly when no bar is drawn). */
  write(line: string): void;
  /** Redraws the bar (cli-progress throttles the drawing). */
  update(p: RunProgress): void;
  /** Prints what is still buffered and removes the bar; later lines are written plainly. */
  stop(): void;
}

export function progressBar(stream: NodeJS.WriteStream): ProgressBar {
  let multi: MultiBar | undefined;
  let bar: SingleBar | undefined;
  let stopped = false;
  const plain = (line: string) => stream.write(`${line}\n`);
  return {
    write: (line) => (multi ? multi.log(`${line}\n`) : plain(line)),
    update(p) {
      if (stopped) return;
      if (!multi) {
        multi = new MultiBar({
          stream,
          format: '{bar} {text}',
          barsize: 24,
          barCompleteChar: '█',
          barIncompleteChar: '░',
          hideCursor: true,
          clearOnComplete: true,
          // ferry stops in order on SIGINT itself (stopOnSignalsOrTimeout) and removes the bar then.
          gracefulExit: false,
        });
        bar = multi.create(Math.max(1, p.tags), 0, { text: '' });
      }
      bar!.setTotal(Math.max(1, p.tags));
      bar!.update(p.done, { text: formatRunProgress(p) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (!multi) return;
      // Flush the lines logged since the last redraw, then clear the bar.
      multi.update();
      multi.stop();
      multi = undefined;
    },
  };
}
