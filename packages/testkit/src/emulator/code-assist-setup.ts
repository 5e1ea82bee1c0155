// The Code Assist setup methods the emulator answers per account: loadCodeAssist, onboardUser (a
// long-running operation that finishes on its first poll) and the operation itself, as gemini-cli's
// `code_assist/setup.ts` drives them; and the project check of every generate call.
import { googleErrorBody } from './code-assist-wire.js';

export interface SetupAnswer {
  status: number;
  body: unknown;
}

const FREE_TIER = {
  id: 'free-tier',
  name: 'Gemini Code Assist for individuals',
  description: 'Gemini Code Assist for individuals',
  userDefinedCloudaicompanionProject: false,
  isDefault: true,
};
const LEGACY_TIER = {
  id: 'legacy-tier',
  name: 'Gemini Code Assist',
  description: 'Gemini Code Assist (legacy)',
  userDefinedCloudaicompanionProject: true,
};
const ONBOARD_RESPONSE_TYPE =
  'type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse';

/** One setup call the emulator answered (the request log does not tell them apart). */
export interface CodeAssistSetupCall {
  method: 'loadCodeAssist' | 'onboardUser' | 'operation';
  account: string;
}

/** How the emulated Code Assist sets accounts up. */
export interface CodeAssistEmulatorOptions {
  /** Accounts that already have a project (account → project id); others must be onboarded. */
  projects?: Record<string, string>;
  /**
   * onboardUser answers `done: true` at once (the real service does so at times) instead of an
   * operation that finishes on its first poll. Default false.
   */
  onboardAtOnce?: boolean;
  /** Told every setup call, so a test can count the lookups a stored project spares. */
  onSetupCall?: (call: CodeAssistSetupCall) => void;
}

export class CodeAssistAccounts {
  private readonly projects = new Map<string, string>();
  private readonly operations = new Map<string, { account: string; project: string }>();
  private readonly onboardAtOnce: boolean;
  private seq = 0;

  constructor(private readonly options: CodeAssistEmulatorOptions = {}) {
    for (const [account, project] of Object.entries(options.projects ?? {}))
      this.projects.set(account, project);
    this.onboardAtOnce = options.onboardAtOnce ?? false;
  }

  projectOf(account: string): string | undefined {
    return this.projects.get(account);
  }

  /**
   * Answers a setup call: `:loadCodeAssist`, `:onboardUser` (POST) or `/operations/<id>` (GET), the
   * part of the path after `/v1internal`. Undefined for any other path.
   */
  answer(method: string, account: string): SetupAnswer | undefined {
    if (method === ':loadCodeAssist') {
      this.options.onSetupCall?.({ method: 'loadCodeAssist', account });
      return { status: 200, body: this.load(account) };
    }
    if (method === ':onboardUser') {
      this.options.onSetupCall?.({ method: 'onboardUser', account });
      return { status: 200, body: this.onboard(account) };
    }
    if (method.startsWith('/operations/')) {
      this.options.onSetupCall?.({ method: 'operation', account });
      return this.poll(method.slice(1), account);
    }
    return undefined;
  }

  /** A generate call must name the account's own project. */
  checkProject(account: string, project: string | undefined): SetupAnswer | undefined {
    const own = this.projects.get(account);
    if (own !== undefined && own === project) return undefined;
    return {
      status: 403,
      body: googleErrorBody(403, `Permission denied on resource project ${project ?? ''}.`, [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'CONSUMER_INVALID',
          domain: 'googleapis.com',
          metadata: { consumer: `projects/${project ?? ''}` },
        },
      ]),
    };
  }

  private load(account: string): unknown {
    const project = this.projects.get(account);
    if (project === undefined) return { allowedTiers: [FREE_TIER, LEGACY_TIER] };
    return {
      currentTier: FREE_TIER,
      allowedTiers: [FREE_TIER, LEGACY_TIER],
      cloudaicompanionProject: project,
      gcpManaged: false,
    };
  }

  private onboard(account: string): unknown {
    const name = `operations/onboard-${++this.seq}`;
    const project = this.projects.get(account) ?? `emulated-project-${this.seq}`;
    this.operations.set(name, { account, project });
    return this.onboardAtOnce ? this.poll(name, account).body : { name, done: false };
  }

  private poll(name: string, account: string): SetupAnswer {
    const operation = this.operations.get(name);
    if (operation === undefined || operation.account !== account)
      return { status: 404, body: googleErrorBody(404, `Operation ${name} not found.`) };
    this.projects.set(account, operation.project);
    return {
      status: 200,
      body: {
        name,
        done: true,
        response: {
          '@type': ONBOARD_RESPONSE_TYPE,
          cloudaicompanionProject: { id: operation.project, name: operation.project },
        },
      },
    };
  }
}
