// The scriptable raw HTTP server: public entry points.
export * from './server.js';
