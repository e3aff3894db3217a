/** What validation reports: one problem in a file, located by row and column, explained in Bahasa Indonesia. */

export interface ValidationIssue {
  /** The 1-based line in the file (header = 1), the sheet's row for xlsx, the array index + 2 for JSON; null for the file as a whole. */
  row: number | null;
  column: string | null;
  code: string;
  message: string;
}

/**
 * An admin's own text as a message quotes it: at most 60 characters, so that a hostile 64,000-character
 * cell, quoted by each of 200 errors, cannot swell the report and the email to megabytes.
 */
export function quoteCell(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length <= 60) return trimmed;
  return `${Array.from(trimmed.slice(0, 60)).slice(0, 57).join('')}…`;
}

/** Collects issues up to a cap, so a file with a million bad rows still gives a bounded report. */
export class IssueList {
  readonly items: ValidationIssue[] = [];
  omitted = 0;

  constructor(private readonly cap: number) {}

  add(issue: ValidationIssue): void {
    if (this.items.length < this.cap) this.items.push(issue);
    else this.omitted += 1;
  }

  get count(): number {
    return this.items.length + this.omitted;
  }

  /** The list as reported: the capped items, plus one closing line saying how many more there were. */
  report(): ValidationIssue[] {
    if (this.omitted === 0) return this.items;
    return [
      ...this.items,
      {
        row: null,
        column: null,
        code: 'TERLALU_BANYAK',
        message: `Masih ada ${this.omitted} masalah lain yang tidak ditampilkan. Perbaiki yang di atas lalu unggah ulang.`,
      },
    ];
  }
}
