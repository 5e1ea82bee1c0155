// In-memory storage for one authorization server instance (oidc-provider's Adapter contract), kept
// per server so that parallel servers never share state and nothing is evicted under load.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms after which the entry is gone; undefined = no expiry. */
  expiresAt: number | undefined;
}

const MS_PER_SECOND = 1000;

/** All models of one server: `${model}:${id}` → entry, plus the lookups oidc-provider needs. */
export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  private readonly userCodes = new Map<string, string>();
  private readonly uids = new Map<string, string>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  adapterFor(model: string): Adapter {
    const key = (id: string): string => `${model}:${id}`;
    return {
      upsert: (id, payload, expiresIn) => {
        this.entries.set(key(id), {
          payload: { ...payload },
          expiresAt:
            typeof expiresIn === 'number' ? this.now() + expiresIn * MS_PER_SECOND : undefined,
        });
        if (payload.userCode) this.userCodes.set(payload.userCode, key(id));
        if (payload.uid) this.uids.set(payload.uid, key(id));
        return Promise.resolve();
      },
      find: (id) => Promise.resolve(this.get(key(id))),
      findByUserCode: (userCode) => Promise.resolve(this.getIndexed(this.userCodes, userCode)),
      findByUid: (uid) => Promise.resolve(this.getIndexed(this.uids, uid)),
      consume: (id) => {
        const entry = this.entries.get(key(id));
        if (entry) entry.payload.consumed = Math.floor(this.now() / MS_PER_SECOND);
        return Promise.resolve();
      },
      destroy: (id) => {
        this.entries.delete(key(id));
        return Promise.resolve();
      },
      revokeByGrantId: (grantId) => {
        this.revokeGrantId(grantId);
        return Promise.resolve();
      },
    };
  }

  /** Deletes every token, code and the grant itself that belong to `grantId`. */
  revokeGrantId(grantId: string): void {
    for (const [k, entry] of this.entries) {
      if (entry.payload.grantId === grantId || k === `Grant:${grantId}`) this.entries.delete(k);
    }
  }

  /** Grant ids currently held for an account (the token subject). */
  grantIdsForAccount(accountId: string): string[] {
    const ids: string[] = [];
    for (const [k, entry] of this.entries) {
      if (k.startsWith('Grant:') && entry.payload.accountId === accountId && entry.payload.jti) {
        ids.push(entry.payload.jti);
      }
    }
    return ids;
  }

  private getIndexed(index: Map<string, string>, value: string): AdapterPayload | undefined {
    const k = index.get(value);
    return k === undefined ? undefined : this.get(k);
  }

  private get(k: string): AdapterPayload | undefined {
    const entry = this.entries.get(k);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.entries.delete(k);
      return undefined;
    }
    return { ...entry.payload };
  }
}
