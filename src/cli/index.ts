// Public face of the CLI (used by tests and the bin).
export { type CliIo, processIo } from './io.js';
export { runCli, VERSION } from './main.js';
