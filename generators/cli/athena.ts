// npm run athena: rewrites platform/log-export/athena.sql from the model and the collectors' object keys.
import { writeFileSync } from 'node:fs';
import { ATHENA_FILE, athenaDdl } from '../../platform/log-export/athena';
import { estate } from '../estate/clusters';
import { runCli } from './run';

runCli(() => writeFileSync(ATHENA_FILE, athenaDdl(estate)));
