// The auto-approve interaction pages of the test authorization server: a login page whose form
// names the account (that account becomes the token's `sub`) and a consent step that grants
// everything asked for, so flows finish without a person (the testkit browser submits the form).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

export const LOGIN_FORM_ID = 'baton-login';
export const DEVICE_SUCCESS_MARKER = 'baton-device-success';
const INTERACTION_PATH = /^\/interaction\/([^/?]+)(\/login)?$/;
const HTTP_SEE_OTHER = 303;
const HTTP_BAD_REQUEST = 400;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(HTTP_SEE_OTHER, { location, 'content-length': 0 });
  res.end();
}

/** True when this request belongs to the interaction routes (and was answered here). */
export async function handleInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  defaultAccount: string,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const match = INTERACTION_PATH.exec(path);
  if (!match) return false;
  const uid = match[1] ?? '';
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const prompt = details.prompt;

    if (match[2] === '/login' && req.method === 'POST') {
      const account = new URLSearchParams(body).get('account')?.trim() || defaultAccount;
      const returnTo = await provider.interactionResult(
        req,
        res,
        { login: { accountId: account } },
        { mergeWithLastSubmission: false },
      );
      redirect(res, returnTo);
      return true;
    }

    if (prompt.name === 'login') {
      const form =
        `<form id="${LOGIN_FORM_ID}" method="post" action="/interaction/${escapeHtml(uid)}/login">` +
        `<label>Account <input type="text" name="account" value="${escapeHtml(defaultAccount)}"></label>` +
        `<button type="submit">Sign in</button></form>`;
      send(res, 200, htmlPage('Sign in (baton testkit)', form));
      return true;
    }

    // Consent: grant whatever is missing, at once.
    const accountId = details.session?.accountId;
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
    if (!accountId) throw new Error('consent without a logged-in account');
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId });
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
    redirect(res, returnTo);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send(res, HTTP_BAD_REQUEST, htmlPage('Interaction failed', `<p>${escapeHtml(message)}</p>`));
    return true;
  }
}
