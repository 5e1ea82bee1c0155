// @baton/testkit: a real local authorization server and a provider emulator.
export const TESTKIT_VERSION = '0.1.0';
