/**
 * Renders bulletin definitions to PDF bytes with pdfmake 0.3's node API. The edge of the bulletin module:
 * definition.ts stays pure, this file owns the fonts and pdfmake's process-wide settings, and installs the
 * speed-ups that reach into pdfmake and pdfkit (pdf-engine-patches.ts) on first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
// A static import, so esbuild bundles pdfmake into the Lambda (a createRequire'd require stays a run-time lookup).
import pdfmakeModule from 'pdfmake';
import { bulletinDefinition, type BulletinInput } from './definition.ts';
import { installPdfEnginePatches, uninstallPdfEnginePatches } from './pdf-engine-patches.ts';
import type { DocDefinition } from './pdfmake-types.ts';

const FONT_FILES = {
  normal: 'Roboto-Regular.ttf',
  bold: 'Roboto-Medium.ttf',
  italics: 'Roboto-Italic.ttf',
  bolditalics: 'Roboto-MediumItalic.ttf',
} as const;

/** Where the font bytes live in pdfmake's virtual file system: nothing is read from disk while rendering. */
const VFS_DIR = 'ucj-fonts';

let configured: typeof pdfmakeModule | undefined;

/** pdfmake's settings are process-wide: set them once, on first use. */
function pdfmake(): typeof pdfmakeModule {
  if (configured) return configured;
  const instance = pdfmakeModule;
  // In a Lambda bundle pdfmake's own folder is gone: the deployment copies the fonts beside the code
  // and names the folder in UCJ_FONT_DIR. From a checkout they are read where pdfmake ships them.
  const fontDir = process.env.UCJ_FONT_DIR;
  const require = createRequire(import.meta.url);
  const path = (file: string) => (fontDir ? join(fontDir, file) : require.resolve(`pdfmake/fonts/Roboto/${file}`));
  const roboto = { normal: '', bold: '', italics: '', bolditalics: '' };
  for (const [style, file] of Object.entries(FONT_FILES) as Array<[keyof typeof FONT_FILES, string]>) {
    const name = `${VFS_DIR}/${file}`;
    instance.virtualfs.writeFileSync(name, readFileSync(path(file)));
    roboto[style] = name;
  }
  instance.setFonts({ Roboto: roboto });
  // Bulletins embed no remote resources and no local files (the fonts are in memory): anything else in
  // a definition is a bug or an injection, and must fail rather than fetch or read.
  instance.setUrlAccessPolicy(() => false);
  instance.setLocalAccessPolicy(() => false);
  installPdfEnginePatches();
  configured = instance;
  return instance;
}

/**
 * For the test that renders with and without pdf-engine-patches.ts: pdfmake is configured first (which
 * installs them), then they are installed or taken out, process-wide, until the next call.
 */
export function usePdfEnginePatches(enabled: boolean): void {
  pdfmake();
  if (enabled) installPdfEnginePatches();
  else uninstallPdfEnginePatches();
}

/** Loads and parses the fonts now rather than in the first render (a worker warms up before taking work). */
export async function warmUp(): Promise<void> {
  const definition = bulletinDefinitionForWarmUp();
  await renderOwned(definition);
}

function bulletinDefinitionForWarmUp(): DocDefinition {
  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: [40, 40, 40, 40],
    language: 'id-ID',
    info: { title: 'warm-up', subject: '', creator: '', producer: '', creationDate: new Date(0), modDate: new Date(0) },
    content: [{ text: 'Buletin', bold: true }, { text: '0,00%' }],
    styles: {},
    defaultStyle: { font: 'Roboto' },
    footer: () => '',
  };
}

/** Renders a definition nobody else holds: pdfmake annotates the nodes it lays out. */
function renderOwned(definition: DocDefinition): Promise<Buffer> {
  return pdfmake().createPdf(definition).getBuffer();
}

/**
 * Renders a definition to PDF bytes. pdfmake annotates the nodes it lays out, so it gets a copy and the
 * caller's definition can be rendered again.
 */
export async function renderPdf(definition: DocDefinition): Promise<Buffer> {
  const { footer, ...data } = definition;
  return renderOwned({ ...structuredClone(data), footer });
}

/** The region's bulletin as PDF bytes; the same input gives the same bytes. */
export async function renderBulletinPdf(input: BulletinInput): Promise<Buffer> {
  return renderOwned(bulletinDefinition(input));
}
