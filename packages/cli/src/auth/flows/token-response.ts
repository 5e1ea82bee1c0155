// Normalises what token endpoints really send before openid-client parses it (BEHAVIOR §1): null or
// empty fields dropped, a missing token_type is Bearer, OpenAI's nested `{"error":{"code":…}}` becomes
// an RFC 6749 `error`, and a non-JSON answer (proxy, WAF, captive portal) is its own typed error.
import { TokenEndpointBlockedError } from './errors.js';

type JsonObject = Record<string, unknown>;

/** The normalised body of each rebuilt response, so failure messages can quote `error_description`. */
const normalisedBodies = new WeakMap<Response, JsonObject>();

/** The JSON body a normalised response carried, when it was an object. */
export function normalisedBodyOf(response: Response | undefined): JsonObject | undefined {
  return response ? normalisedBodies.get(response) : undefined;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const nonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.trim() !== '';

/** `{"error":{"code":"x","message":"y"}}` (OpenAI, Codex) → `error: "x"`, `error_description: "y"`. */
function flattenNestedError(body: JsonObject): JsonObject {
  const nested = body.error;
  if (!isObject(nested)) return body;
  const code = [nested.code, nested.type, nested.error].find(nonEmptyString);
  const message = [nested.message, nested.error_description].find(nonEmptyString);
  const flat: JsonObject = { ...body };
  delete flat.error;
  if (code !== undefined) flat.error = code;
  if (message !== undefined && !nonEmptyString(flat.error_description)) {
    flat.error_description = message;
  }
  return flat;
}

/**
 * The body as openid-client should see it; pure, so it can be tested on its own.
 * @plan PLAN-20260223-ISSUE1598.P10
 * @requirement REQ-1598-ST04
 */
export function normaliseTokenEndpointBody(raw: JsonObject): JsonObject {
  const body = flattenNestedError(raw);
  // Servers send `refresh_token: null`, `scope: ""`, `expires_in: null`: "absent" in every case.
  // fromEntries defines own properties, so even a `__proto__` key from the network stays data.
  const out: JsonObject = Object.fromEntries(
    Object.entries(body).filter(
      ([, value]) => value !== null && !(typeof value === 'string' && value.trim() === ''),
    ),
  );
  if (nonEmptyString(out.access_token) && out.token_type === undefined) out.token_type = 'Bearer';
  return out;
}

const HTTP_OK = 200;
const HTTP_BAD_REQUEST = 400;

/**
 * Some servers (GitHub's device flow, for one) answer errors such as `authorization_pending` with
 * 200; RFC 6749 §5.2 says 400. An error without an access token is read as the 400 it means.
 */
function errorIn200(status: number, body: unknown): boolean {
  return (
    status === HTTP_OK && isObject(body) && nonEmptyString(body.error) && !('access_token' in body)
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Reads a token-endpoint (or device-authorization) response and returns an equivalent one with a
 * normalised JSON body. Throws TokenEndpointBlockedError when the body is not JSON at all.
 */
export async function normaliseTokenEndpointResponse(
  response: Response,
  url: string,
): Promise<Response> {
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  const text = await response.text();
  const parsed = parseJson(text);
  if (parsed === undefined) {
    throw new TokenEndpointBlockedError(new URL(url).host, contentType, response.status);
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('content-type', 'application/json');
  const body = isObject(parsed) ? normaliseTokenEndpointBody(parsed) : parsed;
  const rebuilt = new Response(JSON.stringify(body), {
    status: errorIn200(response.status, body) ? HTTP_BAD_REQUEST : response.status,
    statusText: response.statusText,
    headers,
  });
  if (isObject(body)) normalisedBodies.set(rebuilt, body);
  return rebuilt;
}
