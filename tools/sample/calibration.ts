/**
 * Calibration of the sample dataset to the public figures in docs/architecture.md, "Sample data": working
 * population and coverage per province, and a handful of named regencies. Sources use different bases;
 * these are plausible sample values, not ground truth.
 */

/** The month the calibration describes: coverage below is as of this month, workers as of the August 2025 round. */
export const ANCHOR_PERIOD = '2025-10';
/** The Sakernas August round whose working population the calibration gives. */
export const ANCHOR_ROUND = 2025;

export interface ProvinceCalibration {
  /** Working population, August 2025 round. */
  workers: number;
  /** Whether `workers` is an exact anchor (kept as given) or a rounded figure (jittered by up to 1%). */
  exactWorkers?: boolean;
  /** Coverage (active / workers, percent) in ANCHOR_PERIOD. */
  coveragePct: number;
  /** Growth of active participants, percent per month. */
  growthPctPerMonth: number;
  /** Growth of the working population from one August round to the next, percent. */
  workersTrendPct: number;
  /** Standard deviation of that yearly growth, percentage points (0 keeps the trend exact). */
  workersTrendSd?: number;
  /** Migrant-worker (PMI) share of active participants in a typical regency. */
  pmiShare: number;
  /** Multiplier of the construction (Jakon) share. */
  jakonFactor?: number;
  /** Multiplier of the non-wage (BPU) share. */
  bpuFactor?: number;
}

/** By province code. Lampung and Bali carry published anchors (docs/architecture.md, "Sample data"). */
export const PROVINCES: Readonly<Record<string, ProvinceCalibration>> = {
  '11': { workers: 2_512_000, coveragePct: 30.0, growthPctPerMonth: 0.55, workersTrendPct: 1.6, pmiShare: 0.004, bpuFactor: 1.1 },
  '12': { workers: 7_610_000, coveragePct: 31.0, growthPctPerMonth: 0.6, workersTrendPct: 1.5, pmiShare: 0.012 },
  '13': { workers: 2_790_000, coveragePct: 28.0, growthPctPerMonth: 0.5, workersTrendPct: 1.3, pmiShare: 0.006 },
  '14': { workers: 3_210_000, coveragePct: 44.0, growthPctPerMonth: 0.6, workersTrendPct: 2.0, pmiShare: 0.008, bpuFactor: 1.1 },
  '15': { workers: 1_820_000, coveragePct: 33.0, growthPctPerMonth: 0.55, workersTrendPct: 1.7, pmiShare: 0.005 },
  '16': { workers: 4_480_000, coveragePct: 34.0, growthPctPerMonth: 0.6, workersTrendPct: 1.6, pmiShare: 0.01 },
  '17': { workers: 1_090_000, coveragePct: 29.0, growthPctPerMonth: 0.5, workersTrendPct: 1.4, pmiShare: 0.004 },
  // 1,149,447 / 38.39% = 2,994,132: the 2025 target's own base.
  '18': { workers: 2_994_132, exactWorkers: true, coveragePct: 36.2, growthPctPerMonth: 0.45, workersTrendPct: 1.1, workersTrendSd: 0, pmiShare: 0.03 },
  '19': { workers: 752_000, coveragePct: 40.0, growthPctPerMonth: 0.55, workersTrendPct: 1.8, pmiShare: 0.003, jakonFactor: 1.2 },
  '21': { workers: 1_048_000, coveragePct: 78.0, growthPctPerMonth: 0.55, workersTrendPct: 2.2, pmiShare: 0.01, jakonFactor: 1.3 },
  '31': { workers: 5_120_000, coveragePct: 78.0, growthPctPerMonth: 0.5, workersTrendPct: 0.9, pmiShare: 0.002, bpuFactor: 0.7 },
  '32': { workers: 25_050_000, coveragePct: 33.0, growthPctPerMonth: 0.62, workersTrendPct: 1.7, pmiShare: 0.028 },
  '33': { workers: 19_780_000, coveragePct: 30.0, growthPctPerMonth: 0.6, workersTrendPct: 1.2, pmiShare: 0.03, bpuFactor: 1.15 },
  '34': { workers: 2_210_000, coveragePct: 36.0, growthPctPerMonth: 0.5, workersTrendPct: 1.0, pmiShare: 0.006, bpuFactor: 1.2 },
  '35': { workers: 22_790_000, coveragePct: 32.0, growthPctPerMonth: 0.6, workersTrendPct: 1.2, pmiShare: 0.03, bpuFactor: 1.1 },
  '36': { workers: 5_810_000, coveragePct: 41.0, growthPctPerMonth: 0.6, workersTrendPct: 2.0, pmiShare: 0.012 },
  // Bali, March 2025: 935,079 active of 1,873,899 working (49.90%).
  '51': { workers: 1_873_899, exactWorkers: true, coveragePct: 50.0, growthPctPerMonth: 0.15, workersTrendPct: 0.5, workersTrendSd: 0, pmiShare: 0.012, bpuFactor: 1.15 },
  '52': { workers: 2_905_000, coveragePct: 24.0, growthPctPerMonth: 0.6, workersTrendPct: 1.5, pmiShare: 0.07, bpuFactor: 1.1 },
  '53': { workers: 2_805_000, coveragePct: 20.0, growthPctPerMonth: 0.55, workersTrendPct: 1.4, pmiShare: 0.04, bpuFactor: 1.2 },
  // Kalimantan Barat 35.35% (docs/architecture.md, "Sample data"); the Kalimantan office as a whole near 45%.
  '61': { workers: 2_700_000, coveragePct: 35.35, growthPctPerMonth: 0.5, workersTrendPct: 1.5, pmiShare: 0.012 },
  '62': { workers: 1_400_000, coveragePct: 44.0, growthPctPerMonth: 0.55, workersTrendPct: 1.8, pmiShare: 0.003, jakonFactor: 1.2 },
  '63': { workers: 2_200_000, coveragePct: 44.0, growthPctPerMonth: 0.5, workersTrendPct: 1.5, pmiShare: 0.004, jakonFactor: 1.2 },
  '64': { workers: 1_800_000, coveragePct: 58.0, growthPctPerMonth: 0.6, workersTrendPct: 2.4, pmiShare: 0.003, jakonFactor: 1.7 },
  '65': { workers: 352_000, coveragePct: 48.0, growthPctPerMonth: 0.55, workersTrendPct: 2.2, pmiShare: 0.008, jakonFactor: 1.5 },
  '71': { workers: 1_205_000, coveragePct: 38.0, growthPctPerMonth: 0.5, workersTrendPct: 1.1, pmiShare: 0.004 },
  '72': { workers: 1_500_000, coveragePct: 30.0, growthPctPerMonth: 0.6, workersTrendPct: 1.8, pmiShare: 0.004, jakonFactor: 1.2 },
  '73': { workers: 4_300_000, coveragePct: 31.0, growthPctPerMonth: 0.55, workersTrendPct: 1.4, pmiShare: 0.01 },
  '74': { workers: 1_300_000, coveragePct: 29.0, growthPctPerMonth: 0.55, workersTrendPct: 1.7, pmiShare: 0.005 },
  '75': { workers: 602_000, coveragePct: 33.0, growthPctPerMonth: 0.5, workersTrendPct: 1.3, pmiShare: 0.003 },
  '76': { workers: 698_000, coveragePct: 22.0, growthPctPerMonth: 0.55, workersTrendPct: 1.6, pmiShare: 0.005, bpuFactor: 1.2 },
  '81': { workers: 752_000, coveragePct: 27.0, growthPctPerMonth: 0.5, workersTrendPct: 1.4, pmiShare: 0.003 },
  '82': { workers: 604_000, coveragePct: 34.0, growthPctPerMonth: 0.55, workersTrendPct: 1.9, pmiShare: 0.002, jakonFactor: 1.3 },
  '91': { workers: 552_000, coveragePct: 30.0, growthPctPerMonth: 0.45, workersTrendPct: 1.5, pmiShare: 0.001, bpuFactor: 0.8 },
  '92': { workers: 288_000, coveragePct: 38.0, growthPctPerMonth: 0.45, workersTrendPct: 1.6, pmiShare: 0.001, bpuFactor: 0.8 },
  '93': { workers: 281_000, coveragePct: 26.0, growthPctPerMonth: 0.45, workersTrendPct: 1.6, pmiShare: 0.001, bpuFactor: 0.8 },
  '94': { workers: 598_000, coveragePct: 22.0, growthPctPerMonth: 0.45, workersTrendPct: 1.8, pmiShare: 0.001, bpuFactor: 0.8 },
  '95': { workers: 203_000, coveragePct: 12.0, growthPctPerMonth: 0.4, workersTrendPct: 1.8, pmiShare: 0.001, bpuFactor: 0.8 },
  '96': { workers: 301_000, coveragePct: 35.0, growthPctPerMonth: 0.45, workersTrendPct: 1.7, pmiShare: 0.001, bpuFactor: 0.8 },
};

/**
 * Size of a regency's working population relative to a typical regency of its province (a city counts
 * 0.45 before this). Large metropolitan regencies and cities, and a few very small ones.
 */
export const WORKER_WEIGHT: Readonly<Record<string, number>> = {
  '12.07': 1.7, '12.71': 8.0,
  '13.71': 4.0,
  '14.71': 4.0,
  '16.71': 4.5,
  '18.71': 3.5, '18.72': 0.6,
  '21.01': 0.8, '21.02': 0.9, '21.03': 0.3, '21.04': 0.35, '21.05': 0.15, '21.71': 10,
  '31.01': 0.04, '31.71': 0.45, '31.72': 0.8, '31.73': 1.2, '31.74': 1.0, '31.75': 1.4,
  '32.01': 2.6, '32.04': 1.9, '32.15': 1.3, '32.16': 1.7, '32.73': 3.5, '32.75': 3.2, '32.76': 2.8,
  '33.01': 1.3, '33.02': 1.2, '33.29': 1.3, '33.74': 3.8,
  '35.07': 1.8, '35.09': 1.6, '35.15': 1.5, '35.78': 5.5,
  '36.03': 2.0, '36.71': 3.5, '36.74': 3.0,
  '51.03': 1.2, '51.71': 3.0,
  '52.71': 2.0,
  '53.71': 2.4,
  '61.71': 3.5,
  '63.71': 3.3,
  '64.71': 3.5, '64.72': 4.0, '64.11': 0.15,
  '71.71': 3.4,
  '72.71': 3.2,
  '73.71': 4.5,
  '74.71': 2.4,
  '81.71': 4.0,
  '91.71': 4.0,
  '96.71': 5.5,
};

/**
 * Coverage relative to the province's typical regency (cities start at 1.35, regencies at 0.92, before
 * random variation), where a region is known to differ.
 */
export const COVERAGE_FACTOR: Readonly<Record<string, number>> = {
  '31.01': 0.5, '31.72': 1.0, '31.73': 0.95, '31.74': 1.25, '31.75': 0.8,
  '64.74': 1.5, '64.71': 1.4,
  '36.72': 1.5, // Cilegon, industry
  '32.16': 1.3, '32.15': 1.3, // Bekasi, Karawang industrial estates
  '35.15': 1.3, '35.25': 1.3, // Sidoarjo, Gresik
};

/**
 * Coverage fixed outright (a fraction, in ANCHOR_PERIOD): workers registered at their employer's head
 * office make it exceed 100% (docs/architecture.md, "Sample data").
 */
export const FIXED_COVERAGE: Readonly<Record<string, number>> = {
  '31.71': 2.15, // Kota Administrasi Jakarta Pusat
  '21.71': 1.055, // Kota Batam
};

/** Regencies known for sending migrant workers abroad: their PMI share is several times the province's. */
export const PMI_HEAVY_NAMES = [
  'KABUPATEN INDRAMAYU', 'KABUPATEN CIREBON', 'KABUPATEN CILACAP', 'KABUPATEN KENDAL', 'KABUPATEN PONOROGO',
  'KABUPATEN BLITAR', 'KABUPATEN TULUNGAGUNG', 'KABUPATEN MALANG', 'KABUPATEN LAMPUNG TIMUR', 'KABUPATEN LOMBOK TIMUR',
  'KABUPATEN LOMBOK TENGAH', 'KABUPATEN SUMBAWA', 'KABUPATEN CIANJUR', 'KABUPATEN SUKABUMI', 'KABUPATEN BANYUWANGI',
];

/** National targets (percent) for the years that have one; other years follow `nationalTargetPct`. */
export const NATIONAL_TARGETS: Readonly<Record<number, number>> = { 2025: 40.0, 2026: 45.0 };

export function nationalTargetPct(year: number): number {
  return NATIONAL_TARGETS[year] ?? Math.min(99.5, Math.max(30, 40 + 5 * (year - 2025)));
}

/** Published province targets: percent, and the number of active participants where it was given. */
export const PUBLISHED_TARGETS: Readonly<Record<string, Readonly<Record<number, { pct: number; active?: number }>>>> = {
  '18': { 2025: { pct: 38.39, active: 1_149_447 }, 2026: { pct: 45.53, active: 1_436_809 } },
  '51': { 2025: { pct: 67.28 } },
};

export const FIRST_NAMES = [
  'Agus', 'Budi', 'Dewi', 'Siti', 'Rina', 'Andi', 'Hendra', 'Yusuf', 'Fitri', 'Wahyu', 'Rizky', 'Eko', 'Sri',
  'Indra', 'Ratna', 'Bambang', 'Lestari', 'Fajar', 'Dian', 'Arif', 'Yuliana', 'Teguh', 'Ayu', 'Rudi', 'Nurul',
  'Putu', 'Hasan', 'Mega', 'Irfan', 'Wulan', 'Joko', 'Maria', 'Yohanes', 'Citra', 'Taufik', 'Sari',
] as const;

export const LAST_NAMES = [
  'Santoso', 'Wijaya', 'Saputra', 'Hidayat', 'Nasution', 'Siregar', 'Pratama', 'Kurniawan', 'Setiawan',
  'Harahap', 'Rahman', 'Purnomo', 'Susanto', 'Handayani', 'Gunawan', 'Simanjuntak', 'Wibowo', 'Permana',
  'Firmansyah', 'Hakim', 'Maharani', 'Nugroho', 'Utami', 'Rahayu', 'Sembiring', 'Tanjung', 'Lubis',
  'Mahendra', 'Pangaribuan', 'Sitompul', 'Kusuma', 'Ramadhan', 'Latuconsina', 'Manurung', 'Suryadi',
] as const;
