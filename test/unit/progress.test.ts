/** The counting line `ucj run` shows on a terminal, and keeps off pipes and logs (tools/cli/progress.ts). */
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../tools/cli/progress.ts';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: Object.assign(Object.create(process.stderr), { isTTY, write: (text: string) => written.push(text) > 0 }) };
}

describe('the progress line', () => {
  it('rewrites one line in place on a terminal, and ends it once', () => {
    const { written, stream: tty } = stream(true);
    const line = progressLine(tty);
    line.show('rendering · bulletins rendered 40/553');
    line.show('rendering · bulletins rendered 40/553');
    line.show('rendering · bulletins rendered 80/553');
    line.done();
    expect(written).toEqual(['\r\x1b[2Krendering · bulletins rendered 40/553', '\r\x1b[2Krendering · bulletins rendered 80/553', '\n']);
  });

  it('writes nothing off a terminal, so a pipe or a log carries only results', () => {
    const { written, stream: pipe } = stream(false);
    const line = progressLine(pipe);
    line.show('emails sent 12');
    line.done();
    expect(written).toEqual([]);
  });
});
