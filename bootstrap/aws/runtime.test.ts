// Pulumi.yaml runs the program with `node --import tsx` (typescript: false): prove that loader, outside vitest,
// resolves the ESM TypeScript program and the cluster model it imports.
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';

it('loads and declares the stack under node --import tsx', () => {
  const script = `
    import { installMocks, stackFileConfig, settled } from './mocks.ts';
    const recorder = installMocks('aws', stackFileConfig('aws'));
    const program = await import('./index.ts');
    await settled();
    console.log(JSON.stringify({ vpcs: recorder.ofType('aws:ec2/vpc:Vpc').length, exports: Object.keys(program).sort() }));`;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: import.meta.dirname,
    encoding: 'utf8',
  });
  const result = JSON.parse(output.trim().split('\n').at(-1)!);
  expect(result.vpcs).toBe(1);
  expect(result.exports).toContain('apiEndpoint');
});
