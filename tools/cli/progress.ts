/**
 * A counting line for long work on a terminal ("regions computed 553 · bulletins rendered 120/553"),
 * rewritten in place on stderr. Off a terminal (a pipe, a log, a test) it writes nothing, so stdout and
 * stderr carry only results.
 */
export interface ProgressLine {
  show(text: string): void;
  /** Ends the line, leaving its last text. */
  done(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  if (!stream.isTTY) return { show: () => undefined, done: () => undefined };
  let last = '';
  return {
    show(text) {
      if (text === last) return;
      last = text;
      stream.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (last) stream.write('\n');
      last = '';
    },
  };
}
