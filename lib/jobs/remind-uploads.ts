/**
 * remind-uploads: some days before the run, tell the admins of provinces with no accepted upload for the
 * month yet (and national admins, the whole list) that the deadline is near.
 *
 * It decides from the validation reports alone (lib/jobs/month-uploads.ts) and never parses an upload,
 * so its memory and time do not grow with what admins put in the bucket. Each reminder is claimed in the
 * reminder ledger before it is sent, so Lambda's retries of a failed or timed-out invocation send
 * nothing twice; the claim's key is the occurrence (the schedule's date), so the next schedule reminds again.
 */
import { buildMime } from '../delivery/mime.ts';
import { displayName, loadRegionIndex, NATIONAL_CODE, provinceOfCode, type RegionIndex } from '../domain/regions.ts';
import { periodNameId } from '../domain/period.ts';
import type { Period } from '../domain/types.ts';
import { judgeMonthUploads, provincesUploaded } from './month-uploads.ts';
import { ReaderFault } from '../inputs/input-file.ts';
import { readRecipientsFile } from '../inputs/recipients.ts';
import { RECIPIENTS_KEY } from '../storage/keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { Mailer } from '../delivery/mailer.ts';
import type { SendLedger } from '../history/send-ledger.ts';
import { sendOnce } from '../delivery/send-once.ts';

export interface RemindDeps {
  store: ObjectStore;
  mailer: Mailer;
  ledger: SendLedger;
  sender: string;
  now: () => Date;
  regions?: () => Promise<RegionIndex>;
}

export interface RemindOptions {
  period: Period;
  /** Which reminder this is (the schedule's date, `YYYY-MM-DD`): one email per admin and occurrence. */
  occurrence: string;
}

export interface RemindResult {
  missing: string[];
  reminded: string[];
  /** Admins already reminded for this occurrence (a retry, or a second run the same day). */
  alreadyReminded: string[];
  /** Addresses SES refused for good, with the reason. */
  refused: Array<{ email: string; reason: string }>;
}

/** Provinces with no accepted upload at all for the month: neither their own row nor any regency's. */
export async function provincesWithoutUpload(store: ObjectStore, regions: RegionIndex, period: Period): Promise<string[]> {
  const covered = provincesUploaded(await judgeMonthUploads(store, period));
  return regions.provinces.map((p) => p.code).filter((code) => !covered.has(code));
}

export async function remindUploads(deps: RemindDeps, { period, occurrence }: RemindOptions): Promise<RemindResult> {
  const regions = await (deps.regions ?? loadRegionIndex)();
  const missing = await provincesWithoutUpload(deps.store, regions, period);
  const result: RemindResult = { missing, reminded: [], alreadyReminded: [], refused: [] };
  if (missing.length === 0) return result;
  const recipients = await readRecipientsFile(deps.store, regions);
  // A bug reading them fails the invocation, to be retried and seen (the alarm): nobody is reminded wrongly.
  if (recipients?.fault) throw new ReaderFault(RECIPIENTS_KEY, recipients.fault);
  const admins = (recipients?.recipients ?? []).filter((r) => r.role === 'admin');
  const month = periodNameId(period);
  const byEmail = new Map<string, { name: string; provinces: Set<string> }>();
  for (const admin of admins) {
    const theirs = admin.scope === NATIONAL_CODE ? missing : missing.filter((code) => code === provinceOfCode(admin.scope));
    if (theirs.length === 0) continue;
    const entry = byEmail.get(admin.email) ?? { name: admin.name, provinces: new Set<string>() };
    for (const code of theirs) entry.provinces.add(code);
    byEmail.set(admin.email, entry);
  }
  for (const [email, { name, provinces }] of byEmail) {
    const names = [...provinces].map((code) => `- ${displayName(regions.byCode.get(code)!)} (${code})`);
    const raw = await buildMime({
      from: deps.sender,
      to: email,
      subject: `Pengingat: data UCJ ${month} belum diunggah`,
      text: [`Yth. ${name},`, '', `Data UCJ bulan ${month} untuk wilayah berikut belum diunggah atau belum lolos validasi:`, ...names, '', 'Mohon unggah sebelum buletin bulanan dibuat.', ''].join('\n'),
      period,
    });
    const sent = await sendOnce(
      deps.ledger,
      { period, key: `${email}#${occurrence}`, message: JSON.stringify({ email, provinces: [...provinces] }), now: deps.now },
      () => deps.mailer.sendRaw(raw, email),
    );
    if (sent.status === 'claimed-before') result.alreadyReminded.push(email);
    else if (sent.status === 'refused') result.refused.push({ email, reason: sent.reason });
    else result.reminded.push(email);
  }
  return result;
}
