// npm run pulumi-preview -- env [<stack>] | summary <preview.json> [--stack <stack>] [--summary <file>]
// `env`: the environment of the pull-request preview job (KEY=value lines for $GITHUB_ENV), from the stack's validated
// config. `summary`: `pulumi preview --json` as markdown, stateful replacements and deletions flagged.
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadSettings, readStackConfig, stackFileConfig } from '../../bootstrap/aws/config';
import { previewEnvironment } from '../../bootstrap/aws/preview';
import { parsePreview, renderPreview } from '../../bootstrap/aws/preview-summary';
import { estate } from '../estate/clusters';
import { runCli } from './run';

const USAGE =
  'usage: npm run pulumi-preview -- env [<stack>] | summary <preview.json> [--stack <stack>] [--summary <file>]';

runCli(() => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { stack: { type: 'string', default: 'aws' }, summary: { type: 'string' } },
  });
  const [command, argument] = positionals;
  if (command === 'env') {
    const stack = argument ?? values.stack;
    const config = stackFileConfig(stack);
    const settings = loadSettings(stack, config['aws:region'], readStackConfig(config), estate);
    process.stdout.write(previewEnvironment(settings));
    return;
  }
  if (command !== 'summary' || !argument) throw new Error(USAGE);
  const markdown = renderPreview(values.stack, parsePreview(argument, readFileSync(argument, 'utf8')));
  if (values.summary) appendFileSync(values.summary, markdown);
  else process.stdout.write(markdown);
});
