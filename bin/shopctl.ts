#!/usr/bin/env -S node --import tsx
import { run } from '../cli/index.js';

process.exitCode = await run(process.argv);
