// Package entry: the CLI's main() (bin/run.js) and the base class later commands extend.
export { main } from './main';
export { GlanceCommand } from './base-command';
