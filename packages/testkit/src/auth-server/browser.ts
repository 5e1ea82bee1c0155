// A tiny cookie-carrying HTTP client that plays the person at the test authorization server: it
// follows the server's own pages (device code entry and confirm, login, consent) and submits forms.
import { DEVICE_SUCCESS_MARKER, LOGIN_FORM_ID } from './interactions.js';

const MAX_HOPS = 20;
const SNIPPET_LENGTH = 300;

export interface AuthorizationResult {
  /** Where the server finally sent the browser (the client's redirect URI with code or error). */
  callbackUrl: URL;
  /** Status and body of the callback page when it was delivered (loopback flows). */
  callbackStatus?: number;
  callbackBody?: string;
}

interface Page {
  url: URL;
  status: number;
  location?: URL;
  body: string;
}

interface Form {
  action: string;
  fields: Record<string, string>;
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m?.[1]?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

/** The form with this id (or the first form), with its hidden and prefilled inputs. */
export function parseForm(html: string, id?: string): Form | undefined {
  const forms = html.match(/<form\b[\s\S]*?<\/form>/gi) ?? [];
  const form = forms.find(
    (f) => id === undefined || attribute(f.slice(0, f.indexOf('>')), 'id') === id,
  );
  if (!form) return undefined;
  const openTag = form.slice(0, form.indexOf('>') + 1);
  const fields: Record<string, string> = {};
  for (const input of form.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name) fields[name] = attribute(input, 'value') ?? '';
  }
  return { action: attribute(openTag, 'action') ?? '', fields };
}

export class TestBrowser {
  private readonly origin: string;

  constructor(
    issuer: string,
    private readonly defaultAccount: string,
  ) {
    this.origin = new URL(issuer).origin;
  }

  /** Enters the user code, confirms it and signs in as `account`; resolves when the device is approved. */
  async approveDeviceCode(userCode: string, account = this.defaultAccount): Promise<void> {
    const session = new CookieSession();
    const confirm = await this.confirmPage(session, userCode);
    const form = parseForm(confirm.body, 'op.deviceConfirmForm');
    if (!form) throw new Error(`no confirm form for the user code: ${snippet(confirm.body)}`);
    const page = await this.signIn(session, await session.post(confirm.url, form), account);
    if (!page.body.includes(DEVICE_SUCCESS_MARKER)) {
      throw new Error(`device approval did not succeed (${page.status}): ${snippet(page.body)}`);
    }
  }

  /** Enters the user code and presses "abort": the device's next poll gets access_denied. */
  async denyDeviceCode(userCode: string): Promise<void> {
    const session = new CookieSession();
    const confirm = await this.confirmPage(session, userCode);
    const form = parseForm(confirm.body, 'op.deviceConfirmForm');
    if (!form) throw new Error(`no confirm form for the user code: ${snippet(confirm.body)}`);
    const { confirm: _ignored, ...fields } = form.fields;
    await session.post(confirm.url, { action: form.action, fields: { ...fields, abort: 'yes' } });
  }

  /**
   * Opens an authorization URL, signs in as `account` and follows the server until it redirects out
   * to the client. With `deliver` (default) it then requests that callback URL, like a browser would.
   */
  async completeAuthorization(
    authorizationUrl: string | URL,
    options: { account?: string; deliver?: boolean } = {},
  ): Promise<AuthorizationResult> {
    const session = new CookieSession();
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (url.origin !== this.origin) {
        if (options.deliver === false) return { callbackUrl: url };
        const res = await fetch(url, { redirect: 'manual' });
        return { callbackUrl: url, callbackStatus: res.status, callbackBody: await res.text() };
      }
      const page = await session.get(url);
      if (page.location) {
        url = page.location;
        continue;
      }
      const login = parseForm(page.body, LOGIN_FORM_ID);
      if (!login)
        throw new Error(
          `unexpected page (${page.status}) at ${url.pathname}: ${snippet(page.body)}`,
        );
      const next = await session.post(page.url, {
        action: login.action,
        fields: { ...login.fields, account: options.account ?? this.defaultAccount },
      });
      if (!next.location) throw new Error(`sign-in failed (${next.status}): ${snippet(next.body)}`);
      url = next.location;
    }
    throw new Error('too many redirects while completing the authorization');
  }

  private async confirmPage(session: CookieSession, userCode: string): Promise<Page> {
    const entry = await session.get(new URL('/device', this.origin));
    const form = parseForm(entry.body, 'op.deviceInputForm');
    if (!form) throw new Error(`no user-code form: ${snippet(entry.body)}`);
    return session.post(entry.url, {
      action: form.action,
      fields: { ...form.fields, user_code: userCode },
    });
  }

  /** Follows redirects from `page`, submitting the login form when it appears. */
  private async signIn(session: CookieSession, first: Page, account: string): Promise<Page> {
    let page = first;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (page.location) {
        page = await session.get(page.location);
        continue;
      }
      const login = parseForm(page.body, LOGIN_FORM_ID);
      if (!login) return page;
      page = await session.post(page.url, {
        action: login.action,
        fields: { ...login.fields, account },
      });
    }
    throw new Error('too many redirects while signing in');
  }
}

function snippet(body: string): string {
  return body.replace(/\s+/g, ' ').slice(0, SNIPPET_LENGTH);
}

/** Cookies by name for one origin (enough for the server's own session and interaction cookies). */
class CookieSession {
  private readonly jar = new Map<string, string>();

  get(url: URL): Promise<Page> {
    return this.request(url, { method: 'GET' });
  }

  post(base: URL, form: Form): Promise<Page> {
    const url = new URL(form.action, base);
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields).toString(),
    });
  }

  private async request(url: URL, init: RequestInit): Promise<Page> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of res.headers.getSetCookie()) this.store(line);
    const location = res.headers.get('location');
    return {
      url,
      status: res.status,
      body: await res.text(),
      ...(location && res.status >= 300 && res.status < 400
        ? { location: new URL(location, url) }
        : {}),
    };
  }

  private store(setCookie: string): void {
    const [pair = '', ...attrs] = setCookie.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k = '', v = ''] = a.split('=').map((s) => s.trim());
      if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
      return false;
    });
    if (expired || value === '') this.jar.delete(name);
    else this.jar.set(name, value);
  }
}
