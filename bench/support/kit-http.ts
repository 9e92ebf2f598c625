import { RawHttpConnection, requestBytes } from './raw-http-connection.js';
import { WIDGETS_PATH } from './widget-body.js';

/** Port of a `http://127.0.0.1:PORT` URL. */
export function portOf(url: string | undefined): number {
  if (!url) throw new Error('the child reported no URL');
  return Number(new URL(url).port);
}

/** GETs `path` once and returns the body. */
export async function getBody(port: number, path: string): Promise<{ status: number; body: Buffer; ms: number }> {
  const conn = new RawHttpConnection(port);
  try {
    await conn.ready();
    const t0 = performance.now();
    const res = await conn.request(requestBytes('GET', path), true);
    return { status: res.status, body: res.body!, ms: performance.now() - t0 };
  } finally {
    conn.close();
  }
}

/** The kit's current resourceVersion of the widget collection: where a watch starts with no replay. */
export async function currentResourceVersion(port: number): Promise<string> {
  const { status, body } = await getBody(port, `${WIDGETS_PATH}?limit=1`);
  if (status !== 200) throw new Error(`list for the resourceVersion answered ${status}`);
  return (JSON.parse(body.toString('utf8')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}
