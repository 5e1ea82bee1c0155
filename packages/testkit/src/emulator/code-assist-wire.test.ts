// The Code Assist and Responses wires on their own: what they accept and refuse, the quota shapes as
// baton's classifier reads them, and the setup state (load → onboard → operation → project check).
import { describe, expect, it } from 'vitest';
import { classifyProviderError } from '@baton/core';
import { CodeAssistAccounts } from './code-assist-setup.js';
import { codeAssistQuotaAnswer, codeAssistWire, formatGoDuration } from './code-assist-wire.js';
import { responsesWire } from './responses-wire.js';
import type { QuotaRule } from './types.js';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const rule = (mode: QuotaRule['mode']): QuotaRule => ({
  requestsPerWindow: 1,
  windowMs: 60_000,
  mode,
});

describe('Code Assist wire', () => {
  it('parses {model, project, request} into the shared request', () => {
    expect(
      codeAssistWire.parse({
        model: 'gemini-2.5-pro',
        project: 'p-1',
        request: {
          contents: [
            { role: 'user', parts: [{ text: 'a' }] },
            { role: 'model', parts: [{ text: 'b' }] },
          ],
          systemInstruction: { role: 'user', parts: [{ text: 'sys' }] },
          generationConfig: { maxOutputTokens: 5 },
        },
      }),
    ).toEqual({
      model: 'gemini-2.5-pro',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ],
      system: 'sys',
      maxTokens: 5,
      stream: true,
      includeUsage: true,
    });
  });

  it.each([
    [{ project: 'p', request: { contents: [{ role: 'user', parts: [{ text: 'a' }] }] } }, 'model'],
    [{ model: 'm', request: { contents: [{ role: 'user', parts: [{ text: 'a' }] }] } }, 'project'],
    [{ model: 'm', project: 'p', request: { contents: [] } }, 'contents'],
    [
      { model: 'm', project: 'p', request: { contents: [{ role: 'assistant', parts: [] }] } },
      'role',
    ],
  ])('refuses %j (%s)', (body, field) => {
    const parsed = codeAssistWire.parse(body);
    expect('error' in parsed && parsed.error).toContain(field);
  });

  it('an exhausted model quota reads as quota with its reset; the per-minute limit as a rate limit', () => {
    const state = { rule: rule('usage-limit-body'), resetAt: NOW + 8023_000, seconds: 8023 };
    const answer = codeAssistQuotaAnswer(state);
    const quota = classifyProviderError(
      { status: answer.status, body: JSON.stringify(answer.body) },
      { now: NOW },
    );
    expect(quota.kind).toBe('quota');
    expect(quota.resetAfterMs).toBe(8023_000);
    expect(JSON.stringify(answer.body)).toContain('Your quota will reset after 2h13m43s.');
    const limited = codeAssistQuotaAnswer({ ...state, rule: rule('429'), seconds: 47 });
    const rate = classifyProviderError(
      { status: 429, body: JSON.stringify(limited.body) },
      { now: NOW },
    );
    expect(rate.kind).toBe('rate-limit');
    expect(rate.resetAfterMs).toBe(47_000);
  });

  it('formats durations the way the quota message words them', () => {
    expect(formatGoDuration(8023)).toBe('2h13m43s');
    expect(formatGoDuration(61)).toBe('1m1s');
    expect(formatGoDuration(5)).toBe('5s');
    expect(formatGoDuration(3600)).toBe('1h0m0s');
  });
});

describe('Code Assist setup', () => {
  it('an account without a project is onboarded; the operation finishes on its poll', () => {
    const accounts = new CodeAssistAccounts();
    expect(accounts.answer(':loadCodeAssist', 'a')?.body).not.toHaveProperty('currentTier');
    expect(accounts.checkProject('a', 'anything')?.status).toBe(403);
    const operation = accounts.answer(':onboardUser', 'a')?.body as { name: string; done: boolean };
    expect(operation.done).toBe(false);
    expect(accounts.answer(`/${operation.name}`, 'someone-else')?.status).toBe(404);
    const done = accounts.answer(`/${operation.name}`, 'a')?.body as {
      response: { cloudaicompanionProject: { id: string } };
    };
    const project = done.response.cloudaicompanionProject.id;
    expect(accounts.projectOf('a')).toBe(project);
    expect(accounts.checkProject('a', project)).toBeUndefined();
    expect(accounts.answer(':loadCodeAssist', 'a')?.body).toMatchObject({
      currentTier: { id: 'free-tier' },
      cloudaicompanionProject: project,
    });
    expect(accounts.answer(':somethingElse', 'a')).toBeUndefined();
  });

  it('can finish onboarding in the onboardUser answer itself', () => {
    const accounts = new CodeAssistAccounts({ onboardAtOnce: true });
    expect(accounts.answer(':onboardUser', 'a')?.body).toMatchObject({ done: true });
    expect(accounts.projectOf('a')).toEqual(expect.any(String));
  });

  it('a project only serves its own account', () => {
    const accounts = new CodeAssistAccounts({ projects: { a: 'proj-a', b: 'proj-b' } });
    expect(accounts.checkProject('a', 'proj-a')).toBeUndefined();
    expect(accounts.checkProject('a', 'proj-b')?.status).toBe(403);
  });
});

describe('Responses wire', () => {
  const body = {
    model: 'gpt-5-codex',
    instructions: 'sys',
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
      { type: 'message', role: 'assistant', content: 'yo' },
    ],
    store: false,
    stream: true,
  };

  it('parses a Codex body and insists on instructions and store false', () => {
    expect(responsesWire.parse(body)).toEqual({
      model: 'gpt-5-codex',
      system: 'sys',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yo' },
      ],
      stream: true,
      includeUsage: true,
    });
    expect(responsesWire.parse({ ...body, instructions: undefined })).toEqual({
      error: 'Instructions are required',
    });
    expect(responsesWire.parse({ ...body, store: true })).toEqual({
      error: 'Store must be set to false',
    });
  });

  it('numbers its events in order and ends with response.completed or response.incomplete', () => {
    const reply = {
      id: '1',
      model: 'm',
      chunks: ['a ', 'b'],
      truncated: false,
      inputTokens: 1,
      outputTokens: 2,
      includeUsage: true,
      created: 0,
    };
    const frames = responsesWire.stream(reply);
    const all = [...frames.prelude, ...frames.content, ...frames.closing, ...frames.terminal];
    const sequence = all.map(
      (f) => (JSON.parse(f.split('data: ')[1]!) as { sequence_number: number }).sequence_number,
    );
    expect(sequence).toEqual(all.map((_, i) => i));
    expect(frames.terminal[0]).toContain('event: response.completed');
    expect(responsesWire.stream({ ...reply, truncated: true }).terminal[0]).toContain(
      '"reason":"max_output_tokens"',
    );
  });
});
