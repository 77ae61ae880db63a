// Global setup of the unit tier: a unit test may not start `go`, and the render reads files from pinned Go modules
// (Component.renderModules), so each of them is in the module cache before any test worker starts.
import { catalogue } from '../estate/catalogue';
import { goModuleDir } from '../go-modules';
import { renderModulesOf } from '../registries';

export default function setup(): void {
  for (const { path, version } of renderModulesOf(catalogue)) goModuleDir(path, version);
}
