/**
 * The app bucket's layout (docs/architecture.md, "Files in the bucket"): the prefixes the functions read
 * and write, and therefore the prefixes their IAM grants are scoped to.
 */
export const BUCKET_PREFIXES = {
  /** Admins' figures: `uploads/YYYY-MM/<file>`; validate-upload is triggered here and nowhere else. */
  uploads: 'uploads/',
  /** One report per upload: `validation/YYYY-MM/<file>.json`. */
  validation: 'validation/',
  /** Rejected uploads, byte for byte: `quarantine/YYYY-MM/<file>`. */
  quarantine: 'quarantine/',
  /** Rendered bulletins: `bulletins/YYYY-MM/...pdf`. */
  bulletins: 'bulletins/',
  /** Annual targets: `targets/YYYY.csv`. */
  targets: 'targets/',
  /** Who receives what, and optional province groups. */
  config: 'config/',
} as const;

export const RECIPIENTS_KEY = `${BUCKET_PREFIXES.config}recipients.csv`;
export const GROUPS_KEY = `${BUCKET_PREFIXES.config}groups.csv`;
