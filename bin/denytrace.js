#!/usr/bin/env node
// The `denytrace` command. `npm ci` builds dist/ (the `prepare` script); run `npm run build` after editing sources.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('denytrace: not built yet. Run `npm run build` (npm ci does it) in ' + join(__dirname, '..') + '\n');
  process.exit(1);
}
require(main);
