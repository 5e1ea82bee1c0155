// Each preset value pinned to the public source it came from, so drift from the real CLIs shows up
// as a failing line with the source next to it. A value changes here only when its source changes.
// Sources were read 2026-11; PROVIDERS.md (the project's provider notes) names the same ones.
import { describe, expect, it } from 'vitest';
import {
  ANTHROPIC_LOGIN_NOTICE,
  isPresetName,
  loginNotice,
  presetConfig,
  presetConfigForLogin,
  RetiredPresetError,
  retiredPresetMessage,
} from '../../src/auth/flows/index.js';
import { CODEX_ORIGINATOR } from '../../src/auth/flows/presets/codex.js';
import { thrownBy } from './helpers.js';

describe('anthropic preset (Claude Code public client)', () => {
  const config = presetConfig('anthropic');

  it('uses Claude Code client id and the authorize page with code=true', () => {
    // earendil-works/pi packages/ai/src/utils/oauth/anthropic.ts (CLIENT_ID, AUTHORIZE_URL,
    // authParams.code); router-for-me/CLIProxyAPI internal/auth/claude/anthropic_auth.go (ClientID).
    expect(config.clientId).toBe('9d1c250a-e61b-44d9-88ed-5944d1962f5e');
    expect(config.endpoints?.authorization).toBe('https://claude.ai/oauth/authorize');
    expect(config.authorizationParams).toEqual({ code: 'true' });
  });

  it('exchanges and refreshes at platform.claude.com, JSON body with state', () => {
    // PROVIDERS.md "Anthropic": Claude Code moved the token endpoint to platform.claude.com; the
    // old console.anthropic.com host answers non-browser clients with a Cloudflare page.
    expect(config.endpoints?.token).toBe('https://platform.claude.com/v1/oauth/token');
    // earendil-works/pi anthropic.ts: `Content-Type: application/json`, `state` in the exchange.
    expect(config.tokenRequestBody).toBe('json');
    expect(config.stateInTokenRequest).toBe(true);
  });

  it('races a localhost /callback against the platform.claude.com paste page', () => {
    // PROVIDERS.md "Login": loopback `http://localhost:<port>/callback` raced against
    // `https://platform.claude.com/oauth/code/callback`, which shows `code#state`.
    expect(config.flow).toBe('pkce-paste');
    expect(config.redirectUri).toBe('https://platform.claude.com/oauth/code/callback');
    expect(config.callback?.host).toBe('localhost');
    expect(config.callback?.path).toBe('/callback');
  });

  it('asks for the scopes Claude Code asks for', () => {
    // PROVIDERS.md "Scopes" (Claude Code's browser login).
    expect(config.scopes).toEqual([
      'org:create_api_key',
      'user:profile',
      'user:inference',
      'user:sessions:claude_code',
      'user:mcp_servers',
      'user:file_upload',
    ]);
  });

  it('speaks the Messages API at api.anthropic.com', () => {
    // PROVIDERS.md "Requests".
    expect(config.api).toBe('anthropic');
    expect(config.baseUrl).toBe('https://api.anthropic.com');
  });

  it('says before the browser opens that subscription tokens are refused outside Anthropic apps', () => {
    // PROVIDERS.md "Policy" (since 2026-01-09).
    expect(loginNotice('anthropic')).toBe(ANTHROPIC_LOGIN_NOTICE);
    expect(ANTHROPIC_LOGIN_NOTICE).toContain('2026-01-09');
    expect(ANTHROPIC_LOGIN_NOTICE).toContain('Claude Code');
    expect(ANTHROPIC_LOGIN_NOTICE).toContain('--api-key');
    expect(loginNotice('codex')).toBeUndefined();
    expect(loginNotice('my-server')).toBeUndefined();
  });
});

describe('qwen preset (retired)', () => {
  it('the login lookup explains the retirement and points to API-key buckets', () => {
    // PROVIDERS.md "Qwen": the free tier was discontinued on 2026-04-15 (QwenLM/qwen-code PR #3210).
    expect(isPresetName('qwen')).toBe(true);
    const error = thrownBy(() => presetConfigForLogin('qwen'));
    expect(error).toBeInstanceOf(RetiredPresetError);
    expect((error as RetiredPresetError).provider).toBe('qwen');
    expect((error as Error).message).toContain('2026-04-15');
    expect((error as Error).message).toContain('baton auth login qwen --bucket B --api-key');
    expect(retiredPresetMessage('qwen')).toBe((error as Error).message);
  });

  it('keeps its values for API-key buckets, and active presets still log in', () => {
    expect(presetConfig('qwen').baseUrl).toBe('https://dashscope.aliyuncs.com/compatible-mode/v1');
    expect(retiredPresetMessage('anthropic')).toBeUndefined();
    expect(retiredPresetMessage('nope')).toBeUndefined();
    expect(presetConfigForLogin('anthropic')).toEqual(presetConfig('anthropic'));
  });
});

describe('codex preset (Codex CLI public client)', () => {
  const config = presetConfig('codex');

  it('pins the client, endpoints, scopes and callback', () => {
    // openai/codex codex-rs/login/ (PROVIDERS.md "Codex").
    expect(config.clientId).toBe('app_EMoamEEZ73f0CkXaXp7hrann');
    expect(config.endpoints?.issuer).toBe('https://auth.openai.com');
    expect(config.endpoints?.authorization).toBe('https://auth.openai.com/oauth/authorize');
    expect(config.endpoints?.token).toBe('https://auth.openai.com/oauth/token');
    // openai/codex codex-rs/login/src/auth/revoke.rs: REVOKE_TOKEN_URL.
    expect(config.endpoints?.revocation).toBe('https://auth.openai.com/oauth/revoke');
    expect(config.scopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
    // openai/codex codex-rs/login/src/server.rs: DEFAULT_PORT = 1455, FALLBACK_PORT = 1457 (both on
    // the client's redirect allow-list), and bind_server sends a busy port `GET /cancel`.
    expect(config.callback).toEqual({
      host: 'localhost',
      path: '/auth/callback',
      ports: [1455, 1457],
      cancelPrevious: true,
    });
    // openai/codex codex-rs/login/src/server.rs build_authorize_url: these three, and no `prompt`.
    expect(config.authorizationParams).toEqual({
      id_token_add_organizations: 'true',
      codex_cli_simplified_flow: 'true',
      originator: 'codex_cli_rs',
    });
  });

  it('logs in with --device through the deviceauth endpoints, not RFC 8628', () => {
    // openai/codex codex-rs/login/src/device_code_auth.rs: /api/accounts/deviceauth/usercode and
    // /token under the issuer, the user opens https://auth.openai.com/codex/device.
    expect(config.deviceFlow).toBe('codex-deviceauth');
    expect(config.endpoints?.deviceAuthorization).toBeUndefined();
  });

  it('speaks the Responses API at the Codex backend, naming itself codex_cli_rs', () => {
    // openai/codex codex-rs/core/src/client.rs (the Responses endpoint of the ChatGPT backend) and
    // codex-rs/login/src/auth/default_client.rs (DEFAULT_ORIGINATOR = "codex_cli_rs").
    expect(config.api).toBe('openai-responses');
    expect(config.baseUrl).toBe('https://chatgpt.com/backend-api/codex');
    expect(CODEX_ORIGINATOR).toBe('codex_cli_rs');
  });
});

describe('gemini preset (Gemini CLI public client)', () => {
  const config = presetConfig('gemini');

  it('pins the client, endpoints, scopes and offline access', () => {
    // google-gemini/gemini-cli packages/core/src/code_assist/oauth2.ts (PROVIDERS.md "Gemini").
    expect(config.clientId).toBe(
      '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com',
    );
    expect(config.scopes).toEqual([
      'https://www.googleapis.com/auth/cloud-platform',
      'https://www.googleapis.com/auth/userinfo.email',
      'https://www.googleapis.com/auth/userinfo.profile',
    ]);
    expect(config.callback?.path).toBe('/oauth2callback');
    expect(config.authorizationParams.access_type).toBe('offline');
  });

  it('ships the public installed-app client secret and redirects to 127.0.0.1', () => {
    // google-gemini/gemini-cli packages/core/src/code_assist/oauth2.ts: OAUTH_CLIENT_SECRET (public
    // by design for installed apps) and authWithWeb's `http://127.0.0.1:${port}/oauth2callback`.
    expect(config.clientSecret).toBe('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');
    expect(config.callback?.host).toBe('127.0.0.1');
  });

  it("forces the account chooser and consent (baton's choice; the Gemini CLI sends no prompt)", () => {
    expect(config.authorizationParams.prompt).toBe('select_account consent');
  });

  it('speaks the Code Assist API, not the generativelanguage endpoint', () => {
    // google-gemini/gemini-cli packages/core/src/code_assist/server.ts: CODE_ASSIST_ENDPOINT
    // `https://cloudcode-pa.googleapis.com`, CODE_ASSIST_API_VERSION `v1internal`.
    expect(config.api).toBe('code-assist');
    expect(config.baseUrl).toBe('https://cloudcode-pa.googleapis.com/v1internal');
  });
});
