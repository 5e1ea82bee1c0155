// One-line summary of a profile, shared by create, list and show.
import type { Profile } from '../../config/profile.js';

export function describeProfile(profile: Profile): string {
  const base = profile.baseUrl ? `, base URL ${profile.baseUrl}` : '';
  return `${profile.provider} / ${profile.model}, buckets ${profile.buckets.join(', ')}${base}`;
}
