/**
 * A loopback proxy in front of aws-ses-v2-local that keeps the raw MIME of every email the local SES
 * accepts as `outbox/<YYYY-MM>/<…>.eml`, the month being the one the email is about (its X-UCJ-Period
 * header). The emulator itself keeps emails only in memory and re-encodes them; the .eml files are the
 * bytes the application actually sent, for a person or a test to open.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { periodInJakarta } from '../domain/period.ts';
import { readBody } from './http.ts';

/** A header's value from the MIME header block (first match, unfolded). */
export function mimeHeader(raw: Buffer, name: string): string | undefined {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return match?.[1]?.trim();
}

const safe = (text: string) => text.replace(/[^A-Za-z0-9@._-]+/g, '_').slice(0, 120);

export async function startSesOutboxProxy(target: { host: string; port: number }, outboxDir: string): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const upstream = await new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
        const forward = request(
          { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
          async (response) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: await readBody(response) }),
        );
        forward.on('error', reject);
        forward.end(body);
      });
      if (req.method === 'POST' && req.url?.startsWith('/v2/email/outbound-emails') && upstream.status === 200) {
        await keepRawEmail(body, upstream.body, outboxDir);
      }
      res.writeHead(upstream.status, upstream.headers);
      res.end(upstream.body);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `local SES proxy: ${error instanceof Error ? error.message : String(error)}` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const madeDirs = new Set<string>();

async function keepRawEmail(requestBody: Buffer, responseBody: Buffer, outboxDir: string): Promise<void> {
  const sent = JSON.parse(requestBody.toString('utf8')) as { Content?: { Raw?: { Data?: string } }; Destination?: { ToAddresses?: string[] } };
  const data = sent.Content?.Raw?.Data;
  if (!data) return;
  const raw = Buffer.from(data, 'base64');
  const { MessageId } = JSON.parse(responseBody.toString('utf8')) as { MessageId: string };
  const period = mimeHeader(raw, 'X-UCJ-Period') ?? periodInJakarta(new Date());
  const to = sent.Destination?.ToAddresses?.[0] ?? mimeHeader(raw, 'To') ?? 'unknown';
  const dir = join(outboxDir, safe(period));
  const file = join(dir, `${safe(to)}-${safe(MessageId)}.eml`);
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  try {
    await writeFile(file, raw);
  } catch (error) {
    // The folder was removed while the stack ran (a person or a test clearing the outbox): make it again.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(dir, { recursive: true });
    await writeFile(file, raw);
  }
}
