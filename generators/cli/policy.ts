// npm run policy: the security gate over the rendered output of every cluster.
import { policy } from './gate-stages';
import { runCli } from './run';

runCli(() => {
  process.exitCode = policy();
});
