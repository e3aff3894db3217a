import { describe, expect, it } from 'vitest';
import { parseStored, runRecordSchema, snapshotSchema } from '../../lib/history/records.ts';
import { parseRenderRequest } from '../../lib/jobs/render-bulletins.ts';
import { lampungInput } from './bulletin-fixtures.ts';

const input = lampungInput();
const snapshot = {
  code: '18',
  period: '2025-10',
  version: 1,
  figures: input.region,
  contentHash: 'h',
  sources: [{ key: 'uploads/2025-10/a.csv', etag: 'e', uploadedAt: '2025-11-01T00:00:00Z' }],
  createdAt: '2025-11-02T00:00:00Z',
  runId: 'r',
};

describe('records read back from the table', () => {
  it('are parsed, and one that does not match names its item and field', () => {
    expect(parseStored(snapshotSchema, snapshot, 'snapshot (REGION#18)')).toEqual(snapshot);
    const edited = { ...snapshot, figures: { ...snapshot.figures, coveragePct: '35,2' } };
    expect(() => parseStored(snapshotSchema, edited, 'snapshot (REGION#18)')).toThrow(/snapshot \(REGION#18\)[\s\S]*figures\.coveragePct/);
    expect(() => parseStored(runRecordSchema, { runId: 'r' }, 'run record (RUN#x)')).toThrow(/run record \(RUN#x\)[\s\S]*period/);
  });
});

describe('a render request', () => {
  it('is parsed whole, figures included, and refused when a field is missing', () => {
    const job = { key: 'bulletins/2025-10/provinsi/18-lampung.pdf', input };
    expect(parseRenderRequest(JSON.parse(JSON.stringify({ jobs: [job] })))).toEqual({ jobs: [job] });
    const { subRegions: _dropped, ...partial } = input;
    expect(() => parseRenderRequest({ jobs: [{ ...job, input: partial }] })).toThrow(/subRegions/);
  });
});
