/**
 * A synthesized function's environment as Lambda would set it: each deploy-time value (a token in the
 * template) becomes a placeholder its settings schema accepts. Used by test/infra and bench/infra.
 */
export function lambdaEnvironment(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : key.endsWith('_URL') ? `https://placeholder.example/${key.toLowerCase()}` : `placeholder-${key.toLowerCase()}`,
    ]),
  );
}
