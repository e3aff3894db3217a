/**
 * remind-uploads: some days before the run, tell the admins of provinces with no valid upload for the
 * month yet (and national admins, the whole list) that the deadline is near.
 */
import { buildMime } from '../delivery/mime.ts';
import { displayName, loadRegionIndex, NATIONAL_CODE, provinceOfCode, type RegionIndex } from '../domain/regions.ts';
import { periodNameId } from '../domain/period.ts';
import type { Period } from '../domain/types.ts';
import { readMonthUploads } from './month-uploads.ts';
import { validateRecipients } from '../inputs/recipients.ts';
import { RECIPIENTS_KEY } from '../storage/keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { Mailer } from '../delivery/mailer.ts';

export interface RemindDeps {
  store: ObjectStore;
  mailer: Mailer;
  sender: string;
  regions?: () => Promise<RegionIndex>;
}

/** Provinces with no figures at all for the month: neither their own row nor any regency's. */
export async function provincesWithoutUpload(store: ObjectStore, regions: RegionIndex, period: Period): Promise<string[]> {
  const { reported } = await readMonthUploads(store, regions, period);
  const covered = new Set([...reported.keys()].map(provinceOfCode));
  return regions.provinces.map((p) => p.code).filter((code) => !covered.has(code));
}

export async function remindUploads(deps: RemindDeps, period: Period): Promise<{ missing: string[]; reminded: string[] }> {
  const regions = await (deps.regions ?? loadRegionIndex)();
  const missing = await provincesWithoutUpload(deps.store, regions, period);
  if (missing.length === 0) return { missing, reminded: [] };
  const recipientsObject = await deps.store.get(RECIPIENTS_KEY);
  const admins = recipientsObject
    ? (await validateRecipients(recipientsObject.body, RECIPIENTS_KEY, regions)).recipients.filter((r) => r.role === 'admin')
    : [];
  const reminded: string[] = [];
  const month = periodNameId(period);
  for (const admin of admins) {
    const theirs = admin.scope === NATIONAL_CODE ? missing : missing.filter((code) => code === provinceOfCode(admin.scope));
    if (theirs.length === 0) continue;
    const names = theirs.map((code) => `- ${displayName(regions.byCode.get(code)!)} (${code})`);
    const raw = await buildMime({
      from: deps.sender,
      to: admin.email,
      subject: `Pengingat: data UCJ ${month} belum diunggah`,
      text: [`Yth. ${admin.name},`, '', `Data UCJ bulan ${month} untuk wilayah berikut belum diunggah atau belum lolos validasi:`, ...names, '', 'Mohon unggah sebelum buletin bulanan dibuat.', ''].join('\n'),
      period,
    });
    await deps.mailer.sendRaw(raw, admin.email);
    reminded.push(admin.email);
  }
  return { missing, reminded };
}
