/**
 * The local payment page (D4) that `npm start` serves for the `local` payment provider — a
 * stand-in for the Alipay cashier, not part of the API contract or its OpenAPI document.
 * `GET /local-pay/{topUpId}` shows the amount and one "Pay" button (plain HTML, no script);
 * `POST /local-pay/{topUpId}` pays: the local provider marks the collection paid and this page then
 * sends the provider's signed notification to the API (`POST /v1/payments/local/notifications`),
 * exactly as a real provider calls back, and shows what the API answered.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fenToYuan } from '#shared/payments/port.ts';

const PATH = /^\/local-pay\/([A-Za-z0-9._:-]{1,64})$/;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body style="font-family:sans-serif;max-width:32em;margin:3em auto"><h1>${escapeHtml(title)}</h1>${body}` +
      '<p><small>Local payment provider — npm start only.</small></p></body></html>',
  );
}

/** Serves the page when the request is for it; false for any other path. */
export async function localPayPage(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const match = PATH.exec(url.pathname);
  if (!match) return false;
  const outTradeNo = decodeURIComponent(match[1]!);
  // Loaded here: the page reads the table, which is configured only once the runtime starts.
  const { LocalCollectionClosed, payLocalCollection, readLocalCollection } = await import('#shared/payments/local.ts');
  if (req.method === 'GET') {
    const collection = await readLocalCollection(outTradeNo);
    if (!collection) {
      page(res, 404, 'Unknown payment', '<p>No payment is open under this id.</p>');
      return true;
    }
    const summary =
      `<p id="subject">${escapeHtml(collection.subject)}</p><p>Amount: <strong id="amount">¥${fenToYuan(collection.amountFen)}</strong></p>` +
      `<p>Payable until <span id="expires">${escapeHtml(collection.expiresAt)}</span></p>`;
    if (collection.status === 'paid') page(res, 200, 'Paid', `${summary}<p id="status">Already paid.</p>`);
    else page(res, 200, 'Pay your deposit top-up', `${summary}<form method="post"><button id="pay" type="submit">Pay</button></form>`);
    return true;
  }
  if (req.method === 'POST') {
    for await (const _chunk of req) {
      // The form carries nothing: the button is the whole request.
    }
    try {
      const { collection, notification } = await payLocalCollection(outTradeNo);
      const answer = await fetch(collection.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: notification,
      });
      const text = await answer.text();
      page(
        res,
        200,
        'Paid',
        `<p id="status">Payment of ¥${fenToYuan(collection.amountFen)} made.</p>` +
          `<p>Notification answered <code id="ack">${answer.status} ${escapeHtml(text.slice(0, 200))}</code></p>`,
      );
    } catch (error) {
      if (!(error instanceof LocalCollectionClosed)) throw error;
      page(res, 409, 'Not payable', `<p id="status">${escapeHtml(error.message)}</p>`);
    }
    return true;
  }
  res.writeHead(405, { allow: 'GET, POST' });
  res.end();
  return true;
}
