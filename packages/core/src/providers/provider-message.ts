// The provider's own words about a failure: the `message` of its error body, never the SDK's
// `429 {"type":…}` rendering, on one line and capped (failover reasons and the exhausted error).
import { UNREADABLE, type ClassifiedProviderError } from './classify.js';

type Bag = Record<string, unknown>;
const isObject = (value: unknown): value is Bag => typeof value === 'object' && value !== null;
const prop = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Longest provider message carried into failover reasons and the exhausted error. */
export const MAX_PROVIDER_MESSAGE_CHARS = 300;
/** The SDKs prefix their message with the status and the raw body: `429 {"type":"error",…}`. */
const SDK_STATUS_PREFIX = /^\d{3}\s+[[{]/;

function messageInBody(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  // Google's OpenAI-compatible endpoint wraps its error object in an array.
  const root = Array.isArray(parsed) ? (parsed as unknown[])[0] : parsed;
  for (const candidate of [prop(prop(root, 'error'), 'message'), prop(root, 'message')]) {
    const text = str(candidate)?.trim();
    if (text) return text;
  }
  return undefined;
}

/**
 * The provider's own words about a failure, on one line and capped: the `message` of the error body
 * when there is one, else the error's message unless it is the SDK's `429 {…}` rendering of the body.
 */
export function providerMessage(classified: ClassifiedProviderError): string | undefined {
  const raw =
    messageInBody(classified.body) ??
    (SDK_STATUS_PREFIX.test(classified.message) || classified.message === UNREADABLE
      ? undefined
      : classified.message);
  const text = raw?.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > MAX_PROVIDER_MESSAGE_CHARS
    ? `${text.slice(0, MAX_PROVIDER_MESSAGE_CHARS - 1)}…`
    : text;
}
