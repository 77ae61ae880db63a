// `npm run validate [-- --no-cache] [-- --timings]`
import { validate, validateFlags } from './gate-stages';
import { runCli } from './run';

runCli(async () => {
  process.exitCode = await validate(validateFlags(process.argv));
});
