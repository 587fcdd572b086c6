#!/usr/bin/env node
// Runs the simulated portal standalone (src/main.ts): the package ships TypeScript source, so load it through tsx.
import { register } from 'tsx/esm/api'

register()
await import('../src/main.ts')
