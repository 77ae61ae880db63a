// Every Go program the repository builds: the framework's, the components' (`Component.goTools`) and bootstrap's.
import { TALOS_CONFIG_TOOL } from '../../bootstrap/talos/tools';
import { CORE_GO_TOOLS, type GoTool } from '../go-tools';
import { goToolsOf } from '../registries';
import { catalogue } from './catalogue';

export const allGoTools: readonly GoTool[] = [
  ...Object.values(CORE_GO_TOOLS),
  ...goToolsOf(catalogue),
  TALOS_CONFIG_TOOL,
];
