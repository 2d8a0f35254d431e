#!/usr/bin/env node
import { runCli } from './cli.js';
import { processIo } from './command.js';

// Set exitCode instead of calling process.exit, so pending output is flushed first.
runCli(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
