// pdfmake 0.3's node entry, as far as this project uses it (`@types/pdfmake` describes 0.2).
declare module 'pdfmake' {
  import type { TableLayout } from './pdfmake-types.ts';
  interface PdfMakeNode {
    /** pdfmake's in-memory file system: fonts put here are read from memory, never from disk. */
    virtualfs: { writeFileSync(name: string, content: Buffer): void; existsSync(name: string): boolean };
    setFonts(fonts: Record<string, { normal: string; bold: string; italics: string; bolditalics: string }>): void;
    setUrlAccessPolicy(policy: (url: string) => boolean): void;
    setLocalAccessPolicy(policy: (path: string) => boolean): void;
    setTableLayouts(layouts: Record<string, TableLayout>): void;
    createPdf(definition: object, options?: object): { getBuffer(): Promise<Buffer> };
  }
  const pdfmake: PdfMakeNode;
  export default pdfmake;
}

// pdfmake's pdfkit document class (CommonJS, `exports.default`); pdf-engine-patches.ts shares parsed fonts through it.
declare module 'pdfmake/js/PDFDocument.js' {
  const module: { default?: unknown };
  export default module;
}

// pdfmake's style stack (CommonJS, `exports.default`); pdf-engine-patches.ts replaces its lookups.
declare module 'pdfmake/js/StyleContextStack.js' {
  const module: { default?: unknown };
  export default module;
}
