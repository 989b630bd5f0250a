#!/usr/bin/env node
// `glance`: the glance-ts command-line client (python-glanceclient compatible). See src/main.ts.
require('../dist/main').main(process.argv.slice(2));
