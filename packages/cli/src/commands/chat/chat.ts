// `baton chat`: the REPL over the profile's provider, with renewal running for the session's
// lifetime and logins (pass 3) shown inside the session.
import { resolveProfile } from '../../config/active-profile.js';
import type { Factory } from '../factory.js';
import { openProviderSession } from '../provider-session.js';
import { createServices } from '../services.js';
import { runRepl } from './repl.js';

export interface ChatOptions {
  factory: Factory;
  profile?: string;
}

export async function runChat(options: ChatOptions): Promise<void> {
  const { factory } = options;
  const profile = await resolveProfile(factory, options.profile);
  const services = await createServices(factory, { renewal: true });
  try {
    const session = await openProviderSession(factory, profile, services);
    factory.out.note(
      `chat with ${profile.provider} / ${profile.model} (profile ${profile.name}, buckets ${profile.buckets.join(', ')})`,
    );
    await runRepl(factory, session);
  } finally {
    services.dispose();
  }
}
