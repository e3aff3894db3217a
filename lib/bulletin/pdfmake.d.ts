// pdfmake 0.3's node entry, as far as this project uses it (`@types/pdfmake` describes 0.2).
declare module 'pdfmake' {
  import type { TableLayout } from './pdfmake-types.ts';
  interface PdfMakeNode {
    setFonts(fonts: Record<string, { normal: string; bold: string; italics: string; bolditalics: string }>): void;
    setUrlAccessPolicy(policy: (url: string) => boolean): void;
    setLocalAccessPolicy(policy: (path: string) => boolean): void;
    setTableLayouts(layouts: Record<string, TableLayout>): void;
    createPdf(definition: object, options?: object): { getBuffer(): Promise<Buffer> };
  }
  const pdfmake: PdfMakeNode;
  export default pdfmake;
}
