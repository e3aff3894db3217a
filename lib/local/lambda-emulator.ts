/**
 * The Lambda Invoke API on loopback, for the functions one Lambda invokes directly (monthly-run fans out
 * to render-bulletins). The caller's code is the deployed code: a real LambdaClient, signed requests, the
 * same payloads and the same `X-Amz-Function-Error` on a failure; only the endpoint differs.
 */
import { createServer, type Server } from 'node:http';
import { readBody } from './http.ts';

export type LocalHandler = (event: unknown) => Promise<unknown>;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations(?:\?.*)?$/;

/** Serves `POST /2015-03-31/functions/{name}/invocations` (RequestResponse) for the named handlers. */
export async function startLambdaEmulator(functions: Record<string, () => Promise<LocalHandler>>): Promise<Server> {
  const loaded = new Map<string, Promise<LocalHandler>>();
  const server = createServer(async (req, res) => {
    const match = req.method === 'POST' ? INVOKE_PATH.exec(req.url ?? '') : null;
    // A name, or an ARN whose last part is the name.
    const name = match ? decodeURIComponent(match[1]!).split(':').at(-1)! : undefined;
    const load = name ? functions[name] : undefined;
    if (!name || !load) {
      res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
      res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name ?? req.url}` }));
      return;
    }
    try {
      const body = await readBody(req);
      if (!loaded.has(name)) loaded.set(name, load());
      const handler = await loaded.get(name)!;
      const result = await handler(body.length > 0 ? JSON.parse(body.toString('utf8')) : {});
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
      res.end(JSON.stringify(result ?? null));
    } catch (error) {
      // As Lambda reports an unhandled error: status 200, the error in the payload, flagged by a header.
      const failure = error instanceof Error ? { errorType: error.name, errorMessage: error.message } : { errorType: 'Error', errorMessage: String(error) };
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' });
      res.end(JSON.stringify(failure));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}
