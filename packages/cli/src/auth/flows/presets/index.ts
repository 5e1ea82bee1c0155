// The built-in provider presets, each a value of the custom-provider schema, plus what the login
// says about them: a notice printed before the browser opens, or why a retired preset cannot log in.
import { RetiredPresetError } from '../errors.js';
import {
  parseProviderConfig,
  type CustomProviderInput,
  type ProviderConfig,
} from '../provider-config.js';
import { ANTHROPIC_LOGIN_NOTICE, anthropicPreset } from './anthropic.js';
import { codexPreset } from './codex.js';
import { geminiPreset } from './gemini.js';
import { QWEN_RETIRED_MESSAGE, qwenPreset } from './qwen.js';

export { anthropicPreset, ANTHROPIC_CALLBACK_PATH, ANTHROPIC_LOGIN_NOTICE } from './anthropic.js';
export { codexPreset, CODEX_CALLBACK_PORT } from './codex.js';
export { geminiPreset } from './gemini.js';
export { qwenPreset, qwenApiBaseUrl, QWEN_RETIRED_MESSAGE } from './qwen.js';

/** Every preset name, retired ones included (their API-key buckets still use the values). */
export const PROVIDER_PRESETS = {
  anthropic: anthropicPreset,
  qwen: qwenPreset,
  codex: codexPreset,
  gemini: geminiPreset,
} as const satisfies Record<string, CustomProviderInput>;

export type PresetName = keyof typeof PROVIDER_PRESETS;

/** Presets whose login no longer works, with the message that says why and what to use. */
export const RETIRED_PRESET_MESSAGES: Readonly<Partial<Record<PresetName, string>>> = {
  qwen: QWEN_RETIRED_MESSAGE,
};

/** Printed before the browser opens for these presets. */
export const PRESET_LOGIN_NOTICES: Readonly<Partial<Record<PresetName, string>>> = {
  anthropic: ANTHROPIC_LOGIN_NOTICE,
};

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PROVIDER_PRESETS, name);
}

/** The retirement message of a preset, or undefined when its login still works. */
export function retiredPresetMessage(name: string): string | undefined {
  return isPresetName(name) ? RETIRED_PRESET_MESSAGES[name] : undefined;
}

/** What to print before this provider's login opens a browser, if anything. */
export function loginNotice(name: string): string | undefined {
  return isPresetName(name) ? PRESET_LOGIN_NOTICES[name] : undefined;
}

/** A preset as a validated provider config, with optional overrides (e.g. a client secret). */
export function presetConfig(
  name: PresetName,
  overrides: Partial<CustomProviderInput> = {},
): ProviderConfig {
  return parseProviderConfig({ ...PROVIDER_PRESETS[name], ...overrides });
}

/** The preset to log in with; a retired preset throws RetiredPresetError saying why. */
export function presetConfigForLogin(
  name: PresetName,
  overrides: Partial<CustomProviderInput> = {},
): ProviderConfig {
  const retired = RETIRED_PRESET_MESSAGES[name];
  if (retired) throw new RetiredPresetError(name, retired);
  return presetConfig(name, overrides);
}
