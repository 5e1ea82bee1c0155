// The custom-provider schema: how a user (or a test, or the demo) describes any OAuth 2.0 / OIDC
// server baton can log in to. Provider presets are values of this same schema.
import { z } from 'zod';

export const FLOW_KINDS = ['device', 'pkce-loopback', 'pkce-paste'] as const;
/**
 * How a provider runs its device login: RFC 8628, or the Codex CLI's own deviceauth endpoints
 * under the issuer (codex-device-flow.ts), which need no device authorization endpoint.
 */
export const DEVICE_FLOW_KINDS = ['rfc8628', 'codex-deviceauth'] as const;
/**
 * The wire a provider speaks: Anthropic Messages, OpenAI chat completions, the OpenAI Responses API
 * (the ChatGPT-plan Codex backend), or Google's Code Assist API (Google-account Gemini tokens).
 */
export const WIRE_APIS = ['anthropic', 'openai', 'openai-responses', 'code-assist'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];
export type WireApi = (typeof WIRE_APIS)[number];
export type DeviceFlowKind = (typeof DEVICE_FLOW_KINDS)[number];

export const DEFAULT_CALLBACK_PATH = '/callback';
/** Ports tried in order for the loopback callback when the config names none. */
export const DEFAULT_CALLBACK_PORTS = { from: 53_682, to: 53_692 } as const;
const MAX_PORT = 65_535;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A list of callback ports is short: the few a provider registered as redirect URIs. */
const MAX_LISTED_PORTS = 16;

const port = z.number().int().min(0).max(MAX_PORT);

/**
 * Callback ports, tried in order: a contiguous range, or the exact ports a provider registered
 * (Codex: 1455, then 1457; 1456 is not on its redirect allow-list). Port 0 means any free port.
 */
const CallbackPortsSchema = z.union(
  [
    z
      .strictObject({ from: port, to: port })
      .refine((r) => r.from <= r.to, { message: 'from must not exceed to' }),
    z.array(port).min(1).max(MAX_LISTED_PORTS),
  ],
  { error: 'give a range {"from": N, "to": M} or a list of ports [N, M]' },
);
export type CallbackPorts = z.output<typeof CallbackPortsSchema>;

/** https everywhere, plain http only on loopback (local servers, tests, the demo). */
const secureUrl = z.url().refine(
  (value) => {
    const url = new URL(value);
    return (
      url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
    );
  },
  { message: 'must be https (plain http only on 127.0.0.1 / localhost)' },
);

const EndpointsSchema = z.strictObject({
  /** The `iss` the server puts in id tokens when it differs from the token endpoint's origin. */
  issuer: z.string().min(1).optional(),
  authorization: secureUrl.optional(),
  token: secureUrl,
  deviceAuthorization: secureUrl.optional(),
  revocation: secureUrl.optional(),
});

const CallbackSchema = z.strictObject({
  /** Host written in redirect_uri; the listener always binds 127.0.0.1. */
  host: z.enum(['127.0.0.1', 'localhost']).default('127.0.0.1'),
  path: z.string().startsWith('/').default(DEFAULT_CALLBACK_PATH),
  ports: CallbackPortsSchema.default(DEFAULT_CALLBACK_PORTS),
  /**
   * Logins of this provider take over each other's port, as the Codex CLI's do: a busy port gets a
   * `GET /cancel` before the next bind, and our own listener ends its login on one.
   */
  cancelPrevious: z.boolean().default(false),
});

export const CustomProviderSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes'),
    /** Discovery base (RFC 8414 / OIDC discovery). Either this or `endpoints`. */
    issuer: secureUrl.optional(),
    endpoints: EndpointsSchema.optional(),
    clientId: z.string().min(1),
    /** Only for "installed app" clients whose secret is public by design; omit for PKCE clients. */
    clientSecret: z.string().min(1).optional(),
    scopes: z.array(z.string().min(1)).default([]),
    flow: z.enum(FLOW_KINDS),
    api: z.enum(WIRE_APIS),
    baseUrl: secureUrl,
    /** pkce-paste: the provider's own page that shows the code. */
    redirectUri: secureUrl.optional(),
    /**
     * pkce-loopback: where the redirect lands. pkce-paste: when given, a browser login races this
     * loopback callback against the paste prompt (whichever answers first wins), as Claude Code does.
     */
    callback: CallbackSchema.optional(),
    /** Extra authorization request parameters a provider expects. */
    authorizationParams: z.record(z.string(), z.string()).default({}),
    /** `json` for token endpoints that refuse form bodies (RFC 6749 §4.1.3 says form). */
    tokenRequestBody: z.enum(['form', 'json']).default('form'),
    /** Which device login `flow: device` (or `--device`) runs. */
    deviceFlow: z.enum(DEVICE_FLOW_KINDS).default('rfc8628'),
    /** Send a PKCE challenge with the device authorization request (not in RFC 8628). */
    devicePkce: z.boolean().default(false),
    /** Repeat `state` in the code exchange (not in RFC 6749). */
    stateInTokenRequest: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    if (!p.issuer === !p.endpoints) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: 'give exactly one of issuer or endpoints',
      });
    }
    if (
      p.endpoints &&
      p.flow === 'device' &&
      p.deviceFlow === 'rfc8628' &&
      !p.endpoints.deviceAuthorization
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints', 'deviceAuthorization'],
        message: 'the device flow needs a device authorization endpoint',
      });
    }
    if (p.endpoints && p.flow !== 'device' && !p.endpoints.authorization) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoints', 'authorization'],
        message: 'PKCE flows need an authorization endpoint',
      });
    }
    if (p.flow === 'pkce-paste' && !p.redirectUri) {
      ctx.addIssue({
        code: 'custom',
        path: ['redirectUri'],
        message: 'the paste-code flow needs the redirect URI of the page that shows the code',
      });
    }
  });

export type CustomProviderInput = z.input<typeof CustomProviderSchema>;
export type ProviderConfig = z.output<typeof CustomProviderSchema>;

export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/** Validates a provider description; the error names every bad field. */
export function parseProviderConfig(raw: unknown): ProviderConfig {
  const result = CustomProviderSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ProviderConfigError(`invalid provider config: ${issues.join('; ')}`, issues);
}
