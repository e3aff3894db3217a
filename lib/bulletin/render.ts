/**
 * Renders bulletin definitions to PDF bytes with pdfmake 0.3's node API. The edge of the bulletin module:
 * definition.ts stays pure, this file owns fonts and pdfmake's process-wide settings.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
// A static import, so esbuild bundles pdfmake into the Lambda (a createRequire'd require stays a run-time lookup).
import pdfmakeModule from 'pdfmake';
import { bulletinDefinition, BULLETIN_TABLE_LAYOUTS, type BulletinInput } from './definition.ts';
import type { DocDefinition } from './pdfmake-types.ts';

const require = createRequire(import.meta.url);

let configured: typeof pdfmakeModule | undefined;

/** pdfmake's settings are process-wide: set them once, on first use. */
function pdfmake(): typeof pdfmakeModule {
  if (configured) return configured;
  const instance = pdfmakeModule;
  // In a Lambda bundle pdfmake's own folder is gone: the deployment copies the fonts beside the code
  // and names the folder in UCJ_FONT_DIR. From a checkout they are read where pdfmake ships them.
  const fontDir = process.env.UCJ_FONT_DIR;
  const font = (file: string) => (fontDir ? join(fontDir, file) : require.resolve(`pdfmake/fonts/Roboto/${file}`));
  const roboto = {
    normal: font('Roboto-Regular.ttf'),
    bold: font('Roboto-Medium.ttf'),
    italics: font('Roboto-Italic.ttf'),
    bolditalics: font('Roboto-MediumItalic.ttf'),
  };
  const fontFiles = new Set(Object.values(roboto));
  instance.setFonts({ Roboto: roboto });
  // Bulletins embed no remote resources and no local files but the fonts: anything else in a
  // definition is a bug or an injection, and must fail rather than fetch or read.
  instance.setUrlAccessPolicy(() => false);
  instance.setLocalAccessPolicy((path) => fontFiles.has(path));
  instance.setTableLayouts({ ...BULLETIN_TABLE_LAYOUTS });
  configured = instance;
  return instance;
}

/**
 * Renders a definition to PDF bytes. pdfmake annotates the nodes it lays out, so it gets a copy and the
 * caller's definition can be rendered again.
 */
export async function renderPdf(definition: DocDefinition): Promise<Buffer> {
  const { footer, ...data } = definition;
  const copy = { ...structuredClone(data), footer };
  return pdfmake().createPdf(copy).getBuffer();
}

/** The region's bulletin as PDF bytes; the same input gives the same bytes. */
export async function renderBulletinPdf(input: BulletinInput): Promise<Buffer> {
  return renderPdf(bulletinDefinition(input));
}
