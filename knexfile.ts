// For the knex CLI (`node --import tsx node_modules/knex/bin/cli.js --knexfile knexfile.ts migrate:latest`).
// The service and shopctl migrate through src/db, with the same settings.
import { loadConfig } from './src/config.js';
import { knexConfig } from './src/db/index.js';

const config = loadConfig();
export default knexConfig(config.db.url, config.db.poolMax);
