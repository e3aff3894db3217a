/**
 * The small part of pdfmake 0.3's document definition this project uses. `@types/pdfmake` describes 0.2,
 * so the shapes are declared here from pdfmake 0.3's source (src/Printer.js, src/LayoutBuilder.js).
 */

export type Margin = number | [number, number] | [number, number, number, number];

export interface Style {
  font?: string;
  fontSize?: number;
  bold?: boolean;
  italics?: boolean;
  color?: string;
  fillColor?: string;
  alignment?: 'left' | 'center' | 'right' | 'justify';
  margin?: Margin;
  lineHeight?: number;
  characterSpacing?: number;
  noWrap?: boolean;
  sup?: boolean;
}

/** Places a node relative to where it would start, without taking room in the flow (chart labels). */
export interface Detached {
  relativePosition?: { x: number; y: number };
}

export interface TextNode extends Style, Detached {
  /** Uploaded or reference text only ever reaches pdfmake here, as plain strings. */
  text: string | Array<string | TextNode>;
  style?: string | string[];
  width?: number | 'auto' | '*';
  verticalAlignment?: 'top' | 'middle' | 'bottom';
}

export type CanvasElement =
  | {
      type: 'rect';
      x: number;
      y: number;
      w: number;
      h: number;
      r?: number;
      color?: string;
      fillOpacity?: number;
      lineColor?: string;
      lineWidth?: number;
    }
  | {
      type: 'line';
      x1: number;
      y1: number;
      x2: number;
      y2: number;
      lineWidth?: number;
      lineColor?: string;
      dash?: { length: number; space?: number };
      lineCap?: 'butt' | 'round' | 'square';
    }
  | {
      type: 'polyline';
      points: Array<{ x: number; y: number }>;
      closePath?: boolean;
      lineWidth?: number;
      lineColor?: string;
      color?: string;
      fillOpacity?: number;
      dash?: { length: number; space?: number };
      lineJoin?: 'miter' | 'round' | 'bevel';
      lineCap?: 'butt' | 'round' | 'square';
    }
  | {
      type: 'ellipse';
      x: number;
      y: number;
      r1: number;
      r2: number;
      color?: string;
      lineColor?: string;
      lineWidth?: number;
    };

export interface CanvasNode {
  canvas: CanvasElement[];
  width?: number | 'auto' | '*';
  margin?: Margin;
  verticalAlignment?: 'top' | 'middle' | 'bottom';
}

export interface StackNode extends Style {
  stack: Content[];
  unbreakable?: boolean;
  width?: number | 'auto' | '*';
  verticalAlignment?: 'top' | 'middle' | 'bottom';
}

export interface ColumnsNode extends Style {
  columns: Node[];
  columnGap?: number;
  width?: number | 'auto' | '*';
}

export type TableCell = Node & {
  fillColor?: string;
  colSpan?: number;
  border?: [boolean, boolean, boolean, boolean];
  verticalAlignment?: 'top' | 'middle' | 'bottom';
};

export interface TableNode extends Style {
  table: {
    widths: Array<number | 'auto' | '*'>;
    body: TableCell[][];
    headerRows?: number;
    keepWithHeaderRows?: number;
    dontBreakRows?: boolean;
    heights?: number | number[];
  };
  /** A layout name registered with `pdfmake.setTableLayouts` (see BULLETIN_TABLE_LAYOUTS). */
  layout?: string;
  width?: number | 'auto' | '*';
  unbreakable?: boolean;
}

export type Node = TextNode | CanvasNode | StackNode | ColumnsNode | TableNode;

export type Content = string | Node | Content[];

export interface TableLayout {
  hLineWidth?: (i: number, node: { table: { body: unknown[][] } }) => number;
  vLineWidth?: (i: number, node: { table: { widths: unknown[] } }) => number;
  hLineColor?: (i: number, node: { table: { body: unknown[][] } }) => string;
  vLineColor?: (i: number) => string;
  paddingLeft?: (i: number) => number;
  paddingRight?: (i: number, node: { table: { widths: unknown[] } }) => number;
  paddingTop?: (i: number) => number;
  paddingBottom?: (i: number) => number;
  fillColor?: (rowIndex: number) => string | null;
}

export interface DocInfo {
  title: string;
  subject: string;
  creator: string;
  producer: string;
  /** Fixed from the data: pdfkit hashes the info into the file ID, so this keeps output byte-identical. */
  creationDate: Date;
  modDate: Date;
}

export interface DocDefinition {
  pageSize: 'A4';
  pageOrientation: 'portrait';
  pageMargins: [number, number, number, number];
  /** Written as the catalog's /Lang. */
  language: string;
  info: DocInfo;
  content: Content[];
  styles: Record<string, Style>;
  defaultStyle: Style;
  footer: (currentPage: number, pageCount: number) => Content;
}
