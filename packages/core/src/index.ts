// @baton/core: the token model, failure classification and the retry/failover engine.
export const CORE_VERSION = '0.1.0';
