/** A small region index for the numbers' tests: three provinces of two or three regencies each. */
import { buildRegionIndex } from '../../lib/domain/regions.ts';

export const smallRegions = buildRegionIndex(
  [
    { code: '18', name: 'LAMPUNG' },
    { code: '51', name: 'BALI' },
    { code: '64', name: 'KALIMANTAN TIMUR' },
  ],
  [
    { code: '18.01', province_code: '18', name: 'KABUPATEN LAMPUNG BARAT' },
    { code: '18.02', province_code: '18', name: 'KABUPATEN TANGGAMUS' },
    { code: '18.71', province_code: '18', name: 'KOTA BANDAR LAMPUNG' },
    { code: '51.01', province_code: '51', name: 'KABUPATEN JEMBRANA' },
    { code: '51.71', province_code: '51', name: 'KOTA DENPASAR' },
    { code: '64.01', province_code: '64', name: 'KABUPATEN PASER' },
    { code: '64.71', province_code: '64', name: 'KOTA BALIKPAPAN' },
  ],
);
