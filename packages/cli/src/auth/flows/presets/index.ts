// The built-in provider presets, each a value of the custom-provider schema.
import {
  parseProviderConfig,
  type CustomProviderInput,
  type ProviderConfig,
} from '../provider-config.js';
import { anthropicPreset } from './anthropic.js';
import { codexPreset } from './codex.js';
import { geminiPreset } from './gemini.js';
import { qwenPreset } from './qwen.js';

export { anthropicPreset } from './anthropic.js';
export { codexPreset, CODEX_CALLBACK_PORT } from './codex.js';
export { geminiPreset } from './gemini.js';
export { qwenPreset, qwenApiBaseUrl } from './qwen.js';

export const PROVIDER_PRESETS = {
  anthropic: anthropicPreset,
  qwen: qwenPreset,
  codex: codexPreset,
  gemini: geminiPreset,
} as const satisfies Record<string, CustomProviderInput>;

export type PresetName = keyof typeof PROVIDER_PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PROVIDER_PRESETS, name);
}

/** A preset as a validated provider config, with optional overrides (e.g. a client secret). */
export function presetConfig(
  name: PresetName,
  overrides: Partial<CustomProviderInput> = {},
): ProviderConfig {
  return parseProviderConfig({ ...PROVIDER_PRESETS[name], ...overrides });
}
