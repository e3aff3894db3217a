/** The error a call fails with; the test fails if the call succeeds (the emulator accepted what AWS refuses). */
export async function refusal(call: Promise<unknown>, service: string): Promise<Error> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error(`expected ${service} to refuse the call`);
}
