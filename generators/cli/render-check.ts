import { renderCheck } from './gate-stages';
import { runCli } from './run';

runCli(() => {
  process.exitCode = renderCheck();
});
