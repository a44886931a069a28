// OpenClaw loads `.js` entries with Node's own require(esm); Node 24 strips the types of the
// TypeScript modules behind it, so the plugin runs from source with no build step.
export { default } from './plugin.ts';
